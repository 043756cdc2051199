package chain

import (
	"errors"
	"fmt"
	"strings"
)

var (
	// ErrBadSignature is returned for a signature that is not 65 bytes, has
	// v other than 27/28, or has a high s (malleable) value.
	ErrBadSignature = errors.New("invalid signature")
	// ErrTxFailed is returned when a transaction was mined but reverted.
	ErrTxFailed = errors.New("transaction reverted")
	// ErrNotPending is returned when a request is not in escrow any more (or
	// never was) and the call needs it to be.
	ErrNotPending = errors.New("request not pending")
	// ErrConflict is returned when a request id is already used on chain for
	// a different payment than the one asked for.
	ErrConflict = errors.New("request id already used for another payment")
)

// RevertError is a contract call or transaction that the EVM reverted, with
// the contract's custom error decoded where its ABI knows it.
type RevertError struct {
	// Name of the custom error (for example "SignersNotAscending"), or
	// "Error" for a require message, or "" when the data was not decodable.
	Name string
	// Args are the decoded error arguments, in declaration order.
	Args []any
	// Data is the raw revert data.
	Data []byte
}

func (e *RevertError) Error() string {
	if e.Name == "" {
		return fmt.Sprintf("execution reverted (data 0x%x)", e.Data)
	}
	args := make([]string, len(e.Args))
	for i, a := range e.Args {
		args[i] = fmt.Sprint(a)
	}
	return fmt.Sprintf("execution reverted: %s(%s)", e.Name, strings.Join(args, ", "))
}

// IsRevert reports whether err is a revert with the named custom error.
func IsRevert(err error, name string) bool {
	var re *RevertError
	return errors.As(err, &re) && re.Name == name
}
