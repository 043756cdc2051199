package gateway

import (
	"context"
	"errors"
	"math/big"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Stages of a request, as the stage histogram labels them.
const (
	stageQuote         = "quote"         // pricing a request (EstimateFee, or a submission without a quote)
	stageSubmit        = "submit"        // a whole submission: quote, preprocess, select, reserve, preprocessing quorum
	stagePreprocessing = "preprocessing" // quoted → validated: the preprocessing quorum
	stagePaymentWait   = "payment_wait"  // validated → paid: the client paying
	stageDispatch      = "dispatch"      // paid → dispatched
	stageCompute       = "compute"       // dispatched → computed: the compute node's run and its result
	stageCompletion    = "completion"    // computed → completion-validated: postprocess and the completion quorum
	stageSettlement    = "settlement"    // completion-validated → settled: completeInferenceRequest mined
)

// Reasons a submission is refused, as the rejection counter labels them.
const (
	rejectRateLimited = "rate_limited"      // over a per-IP limit (submissions, WebSocket connections)
	rejectBadInput    = "bad_input"         // malformed, oversized, unknown model/subnet/quote, refused by preprocess
	rejectNoCompute   = "no_compute_node"   // no compute node could take it
	rejectConsensus   = "consensus_failure" // the preprocessing quorum was not formed or refused it
	rejectUnavailable = "unavailable"       // the registry, the chain or the subnet's plugins cannot serve it now
	rejectOther       = "other"
)

// metrics are a gateway's Prometheus metrics: the network's payment
// metrics under its names, and the gateway's own. All are registered on
// the daemon's own registry (ops.NewRegistry), never the global one.
type metrics struct {
	initiated, completed, refunded prometheus.Counter
	amount                         prometheus.Counter
	distribution                   prometheus.Histogram
	stage                          *prometheus.HistogramVec
	outcomes                       *prometheus.CounterVec
	inFlight                       *prometheus.GaugeVec
	rejections                     *prometheus.CounterVec
	tokens                         prometheus.Counter
	wsConns                        prometheus.Gauge
	speculations                   *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		initiated: prometheus.NewCounter(prometheus.CounterOpts{Name: "payments_initiated_total",
			Help: "Deposits found in the escrow for this gateway's requests (a request moved to paid)."}),
		completed: prometheus.NewCounter(prometheus.CounterOpts{Name: "payments_completed_total",
			Help: "Requests settled on chain: completeInferenceRequest paid out the tree."}),
		refunded: prometheus.NewCounter(prometheus.CounterOpts{Name: "payments_refunded_total",
			Help: "Paid requests refunded to the payer (markRequestFailed or handleExpiredRequest)."}),
		amount: prometheus.NewCounter(prometheus.CounterOpts{Name: "payment_amount_wei_total",
			Help: "Sum of the deposits counted by payments_initiated_total, in wei (a float: exact up to 2^53 wei)."}),
		distribution: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "payment_distribution_time_ms",
			Help:    "Time from a request's payment found to its settlement on chain (the tree paid out), in milliseconds.",
			Buckets: prometheus.ExponentialBuckets(10, 2, 16)}),
		stage: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "gateway_stage_duration_seconds",
			Help: "Time a request spent in each stage: quote, submit, preprocessing (quorum), payment_wait, dispatch, " +
				"compute, completion (postprocess and quorum), settlement.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 20)}, []string{"stage"}),
		outcomes: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "gateway_requests_total",
			Help: "Requests that ended, by terminal state: settled, refunded, released, cancelled, expired-unpaid."}, []string{"outcome"}),
		inFlight: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "gateway_requests_in_flight",
			Help: "Requests not yet ended, by ledger state."}, []string{"state"}),
		rejections: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "gateway_rejections_total",
			Help: "Submissions refused before any payment, by reason: rate_limited, bad_input, no_compute_node, " +
				"consensus_failure, unavailable, other."}, []string{"reason"}),
		tokens: prometheus.NewCounter(prometheus.CounterOpts{Name: "gateway_tokens_relayed_total",
			Help: "Streamed output chunks relayed from compute nodes to subscribers."}),
		wsConns: prometheus.NewGauge(prometheus.GaugeOpts{Name: "gateway_websocket_connections",
			Help: "Open WebSocket connections."}),
		speculations: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "gateway_speculations_total",
			Help: "Tasks dispatched before their payment was mined (started), and those whose result was used once it was (used)."},
			[]string{"outcome"}),
	}
	for _, s := range []string{stageQuote, stageSubmit, stagePreprocessing, stagePaymentWait, stageDispatch, stageCompute, stageCompletion, stageSettlement} {
		m.stage.WithLabelValues(s)
	}
	for s := StateQuoted; s < numStates; s++ {
		if s.Terminal() {
			m.outcomes.WithLabelValues(s.String())
		} else {
			m.inFlight.WithLabelValues(s.String())
		}
	}
	m.speculations.WithLabelValues("started")
	m.speculations.WithLabelValues("used")
	for _, r := range []string{rejectRateLimited, rejectBadInput, rejectNoCompute, rejectConsensus, rejectUnavailable, rejectOther} {
		m.rejections.WithLabelValues(r)
	}
	if reg != nil {
		reg.MustRegister(m.initiated, m.completed, m.refunded, m.amount, m.distribution, m.stage, m.outcomes, m.inFlight,
			m.rejections, m.tokens, m.wsConns, m.speculations)
	}
	return m
}

// observe times a stage that ran from start until now.
func (m *metrics) observe(stage string, start time.Time) {
	m.stage.WithLabelValues(stage).Observe(time.Since(start).Seconds())
}

func (m *metrics) speculated()      { m.speculations.WithLabelValues("started").Inc() }
func (m *metrics) speculationUsed() { m.speculations.WithLabelValues("used").Inc() }

// created counts a request entering the ledger (quoted).
func (m *metrics) created() { m.inFlight.WithLabelValues(StateQuoted.String()).Inc() }

// resumed sets the in-flight gauge from the requests a started gateway
// found in its ledger.
func (m *metrics) resumed(recs []Record) {
	for _, r := range recs {
		m.inFlight.WithLabelValues(r.State.String()).Inc()
	}
}

// moved counts a transition the ledger made, timing the stage it ended
// from the record's history.
func (m *metrics) moved(rec Record, from, to State) {
	m.inFlight.WithLabelValues(from.String()).Dec()
	if to.Terminal() {
		m.outcomes.WithLabelValues(to.String()).Inc()
	} else {
		m.inFlight.WithLabelValues(to.String()).Inc()
	}
	var stage string
	switch {
	case from == StateQuoted && to == StateValidated:
		stage = stagePreprocessing
	case from == StateValidated && to == StatePaid:
		stage = stagePaymentWait
	case from == StatePaid && to == StateDispatched:
		stage = stageDispatch
	case from == StateDispatched && to == StateComputed:
		stage = stageCompute
	case from == StateComputed && to == StateCompletionValidated:
		stage = stageCompletion
	case from == StateCompletionValidated && to == StateSettled:
		stage = stageSettlement
	}
	n := len(rec.History)
	if stage != "" && n >= 2 {
		m.stage.WithLabelValues(stage).Observe(rec.History[n-1].At.Sub(rec.History[n-2].At).Seconds())
	}
	switch to {
	case StatePaid:
		m.initiated.Inc()
		if v, ok := new(big.Int).SetString(rec.Quote.Amount, 10); ok {
			f, _ := new(big.Float).SetInt(v).Float64()
			m.amount.Add(f)
		}
	case StateSettled:
		m.completed.Inc()
		for _, s := range rec.History {
			if s.State == StatePaid && n > 0 {
				m.distribution.Observe(float64(rec.History[n-1].At.Sub(s.At)) / float64(time.Millisecond))
				break
			}
		}
	case StateRefunded:
		m.refunded.Inc()
	}
}

// reject counts a submission refused for err.
func (m *metrics) reject(err error) { m.rejected(rejectReason(err)) }

// rejected counts a submission refused for reason.
func (m *metrics) rejected(reason string) { m.rejections.WithLabelValues(reason).Inc() }

// rejectReason is the rejection counter's label for a refused submission.
func rejectReason(err error) string {
	var q *quorumError
	switch {
	case errors.As(err, &q):
		if c := status.Code(q.err); c == codes.Unavailable || c == codes.DeadlineExceeded {
			return rejectUnavailable
		}
		return rejectConsensus
	case errors.Is(err, ErrRateLimited):
		return rejectRateLimited
	case errors.Is(err, ErrNoComputeNode):
		return rejectNoCompute
	case errors.Is(err, ErrBadRequest), errors.Is(err, ErrInputRefused), errors.Is(err, ErrUnknownModel),
		errors.Is(err, ErrUnknownSubnet), errors.Is(err, ErrUnknownQuote), errors.Is(err, ErrQuoteExpired),
		errors.Is(err, ErrStaleQuote):
		return rejectBadInput
	case errors.Is(err, ErrUnavailable), errors.Is(err, ErrSubnetNotReady), errors.Is(err, context.DeadlineExceeded):
		return rejectUnavailable
	}
	return rejectOther
}

// quorumError is the registry refusing, or failing to form, a request's
// preprocessing quorum. It reads and maps to codes as the error it
// wraps.
type quorumError struct{ err error }

func (e *quorumError) Error() string { return e.err.Error() }
func (e *quorumError) Unwrap() error { return e.err }
