package compute

import "errors"

// Errors of a task, as the node reports them in an error result (the
// result's error string starts with the sentinel's text) and logs them.
var (
	// ErrBadTask: the task is malformed (a request id that is not 32
	// bytes, an input or params over the limit, params that are not a
	// JSON object).
	ErrBadTask = errors.New("bad task")
	// ErrUnknownModel: the task names a model this node does not serve.
	ErrUnknownModel = errors.New("model not served here")
	// ErrUnknownSubnet: the task names a subnet this node did not
	// register for.
	ErrUnknownSubnet = errors.New("subnet not served here")
	// ErrExpired: the task's deadline or its payment's expiry had passed
	// before it could start.
	ErrExpired = errors.New("task expired")
	// ErrDeadline: the model did not finish by the task's deadline (the
	// earlier of the gateway's and Config.TaskTimeout).
	ErrDeadline = errors.New("deadline exceeded")
	// ErrBusy: the node already holds Config.MaxTasks tasks, or no worker
	// of the model freed up in time.
	ErrBusy = errors.New("compute node busy")
	// ErrInvalidInput: the model refused the input or params (schema,
	// vocabulary...): the client's fault.
	ErrInvalidInput = errors.New("invalid model input")
	// ErrModelFailed: the model or its worker failed on the task.
	ErrModelFailed = errors.New("model failed")
	// ErrShuttingDown: the node was closing and cut the task.
	ErrShuttingDown = errors.New("compute node shutting down")
)
