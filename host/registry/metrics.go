package registry

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ncn-network/ncn/host/api/pb"
)

// metrics are a registry node's Prometheus metrics, under the network's
// names. They are registered on Config.Metrics when it is set.
type metrics struct {
	preprocessing, completion *prometheus.CounterVec // this node's own checks, by result
	reached, failed           *prometheus.CounterVec // quorums this node coordinated, by kind
	quorum                    *prometheus.HistogramVec
}

func newMetrics(r *Node, reg prometheus.Registerer) *metrics {
	m := &metrics{
		preprocessing: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "validations_preprocessing_total",
			Help: "Preprocessing validations this validator answered, by result (signed, refused)."}, []string{"result"}),
		completion: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "validations_completion_total",
			Help: "Completion validations this validator answered, by result (signed, refused)."}, []string{"result"}),
		reached: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "consensus_reached_total",
			Help: "Quorums this node coordinated that reached M signatures, by kind."}, []string{"kind"}),
		failed: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "consensus_failed_total",
			Help: "Quorums this node coordinated that did not reach M signatures, by kind."}, []string{"kind"}),
		quorum: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "quorum_duration_seconds",
			Help:    "Time from a quorum request to its answer, by kind and outcome.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14)}, []string{"kind", "outcome"}),
	}
	for _, c := range []*prometheus.CounterVec{m.preprocessing, m.completion} {
		c.WithLabelValues("signed")
		c.WithLabelValues("refused")
	}
	for _, c := range []*prometheus.CounterVec{m.reached, m.failed} {
		c.WithLabelValues("preprocessing")
		c.WithLabelValues("completion")
	}
	if reg == nil {
		return m
	}
	validators := func(active bool) float64 {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if active {
			c, err := r.eligible(ctx)
			if err != nil {
				return 0
			}
			return float64(len(c))
		}
		a, _, err := r.stakes(ctx)
		if err != nil {
			return 0
		}
		return float64(len(a))
	}
	reg.MustRegister(m.preprocessing, m.completion, m.reached, m.failed, m.quorum,
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "validators_active",
			Help: "Staked validators this node would select now: heartbeating, reachable, reputation at least the minimum."},
			func() float64 { return validators(true) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "validators_total", Help: "Validators staked in the ValidatorRegistry contract."},
			func() float64 { return validators(false) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "average_reputation", Help: "Mean reputation (0-100) of the staked validators."},
			func() float64 {
				ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
				defer cancel()
				a, _, err := r.stakes(ctx)
				if err != nil || len(a) == 0 {
					return 0
				}
				sum := 0
				for _, v := range a {
					sum += int(r.ledger.Score(v))
				}
				return float64(sum) / float64(len(a))
			}),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "mempool_entries", Help: "Pending validations held in the mempool."},
			func() float64 { return float64(r.mempool.Len()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "reputation_events",
			Help: "Reputation events kept (those of the last few minutes, and slashes; older ones are folded into a checkpoint)."},
			func() float64 { return float64(r.ledger.Len()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "nodes_available", Help: "Compute and gateway nodes heartbeating."},
			func() float64 {
				n := 0
				for _, x := range r.nodes.List(Filter{}) {
					if x.Role != pb.NodeRole_NODE_ROLE_VALIDATOR {
						n++
					}
				}
				return float64(n)
			}),
	)
	return m
}

// answered counts one of this validator's answers.
func (m *metrics) answered(c *prometheus.CounterVec, err error) {
	if err == nil {
		c.WithLabelValues("signed").Inc()
	} else {
		c.WithLabelValues("refused").Inc()
	}
}

// coordinated counts one quorum this node ran.
func (m *metrics) coordinated(kind string, start time.Time, err error) {
	outcome := "reached"
	if err != nil {
		m.failed.WithLabelValues(kind).Inc()
		outcome = "failed"
	} else {
		m.reached.WithLabelValues(kind).Inc()
	}
	m.quorum.WithLabelValues(kind, outcome).Observe(time.Since(start).Seconds())
}
