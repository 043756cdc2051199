package compute

import (
	"errors"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Outcomes of a task, as compute_tasks_total labels them.
const (
	outcomeOK       = "ok"       // signed result
	outcomeRepeated = "repeated" // a task already running or done here, sent again
)

// taskOutcomes are the outcome labels of the errors a task can end with.
var taskOutcomes = []struct {
	err   error
	label string
}{
	{ErrBadTask, "bad_task"},
	{ErrUnknownModel, "unknown_model"},
	{ErrUnknownSubnet, "unknown_subnet"},
	{ErrExpired, "expired"},
	{ErrDeadline, "deadline"},
	{ErrBusy, "busy"},
	{ErrInvalidInput, "invalid_input"},
	{ErrModelFailed, "model_failed"},
	{ErrShuttingDown, "shutting_down"},
}

// outcomeOf is a finished task's outcome label.
func outcomeOf(err error) string {
	if err == nil {
		return outcomeOK
	}
	for _, o := range taskOutcomes {
		if errors.Is(err, o.err) {
			return o.label
		}
	}
	return "model_failed"
}

// metrics are a compute node's Prometheus metrics, registered on
// Config.Metrics (the node's own registry, never the global one).
type metrics struct {
	tasks    *prometheus.CounterVec   // by model and outcome
	duration *prometheus.HistogramVec // model run time, by model
	tokens   *prometheus.CounterVec   // streamed tokens, by model
}

func newMetrics(reg prometheus.Registerer, n *Node) *metrics {
	m := &metrics{
		tasks: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "compute_tasks_total",
			Help: "Tasks received, by model and outcome (ok, repeated, bad_task, unknown_model, unknown_subnet, expired, " +
				"deadline, busy, invalid_input, model_failed, shutting_down); a model this node does not serve is \"\"."},
			[]string{"model", "outcome"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "compute_task_duration_seconds",
			Help:    "Time a task took on the model's workers (waiting for one included), by model, whatever its outcome.",
			Buckets: prometheus.ExponentialBuckets(0.001, 2, 18)}, []string{"model"}),
		tokens: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "compute_tokens_streamed_total",
			Help: "Output tokens of text models streamed to the gateway as they came, by model."}, []string{"model"}),
	}
	for _, mod := range n.models {
		m.tasks.WithLabelValues(mod.Name, outcomeOK)
		m.duration.WithLabelValues(mod.Name)
		if mod.text {
			m.tokens.WithLabelValues(mod.Name)
		}
	}
	if reg == nil {
		return m
	}
	reg.MustRegister(m.tasks, m.duration, m.tokens,
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "compute_tasks_in_progress",
			Help: "Tasks admitted and not finished: running, or waiting for a worker."},
			func() float64 { return float64(n.busy.Load()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "compute_task_stream_connected",
			Help: "1 while the task stream to the gateway is open."},
			func() float64 {
				if n.streamOpen.Load() {
					return 1
				}
				return 0
			}))
	for _, mod := range n.models {
		labels := prometheus.Labels{"model": mod.Name}
		reg.MustRegister(
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "compute_worker_slots", ConstLabels: labels,
				Help: "Warm worker slots of the model."},
				func() float64 { return float64(mod.Slots) }),
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "compute_workers_busy", ConstLabels: labels,
				Help: "Worker slots of the model not idle: running a task, or being replaced."},
				func() float64 {
					s := mod.pool.Stats()
					return float64(max(0, s.Slots-s.Idle))
				}),
			prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "compute_worker_crashes_total", ConstLabels: labels,
				Help: "Workers of the model replaced after dying, hanging or misbehaving."},
				func() float64 { return float64(mod.pool.Stats().Crashed) }),
		)
	}
	return m
}

// done counts a finished task of model (nil: one it does not serve).
func (m *metrics) done(mod *model, err error) {
	m.tasks.WithLabelValues(modelLabel(mod), outcomeOf(err)).Inc()
}

// repeated counts a task sent again while running or after it was done.
func (m *metrics) repeated(mod *model) {
	m.tasks.WithLabelValues(modelLabel(mod), outcomeRepeated).Inc()
}

// modelLabel is a model's label: "" for a model not served here, so a
// task cannot add label values of its choosing.
func modelLabel(mod *model) string {
	if mod == nil {
		return ""
	}
	return mod.Name
}

// ran times a task's run on a model's workers.
func (m *metrics) ran(mod *model, d time.Duration) {
	m.duration.WithLabelValues(mod.Name).Observe(d.Seconds())
}
