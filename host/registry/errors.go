package registry

import "errors"

// Sentinel errors; gRPC handlers map them to status codes.
var (
	ErrUnknownNode      = errors.New("registry: unknown node")
	ErrUnknownSubnet    = errors.New("registry: unknown subnet")
	ErrBadRequest       = errors.New("registry: bad request")
	ErrBadSignature     = errors.New("registry: bad signature")
	ErrStale            = errors.New("registry: stale update (seq not newer)")
	ErrRefused          = errors.New("registry: validator refused")
	ErrNoQuorum         = errors.New("registry: consensus failure: fewer than M validators signed")
	ErrTooFewValidators = errors.New("registry: fewer active validators than the quorum needs")
	ErrExists           = errors.New("registry: already exists")
	ErrUnknownPlugin    = errors.New("registry: unknown plugin")
	ErrPluginRefused    = errors.New("registry: plugin refused")
	ErrNoPluginStore    = errors.New("registry: this node keeps no plugin store")
	ErrUnknownModel     = errors.New("registry: unknown model or model file")
	ErrPartOrder        = errors.New("registry: model file part out of order")
	ErrBusy             = errors.New("registry: busy")
	ErrFetching         = errors.New("registry: model file being fetched from peers")
)
