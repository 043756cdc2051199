package sandbox

import (
	"fmt"

	seccomp "github.com/seccomp/libseccomp-golang"
	"golang.org/x/sys/unix"
)

// loadSeccomp installs the allowlist filter on every thread (libseccomp
// sets TSYNC by default) with no_new_privs. It must be the last step before
// exec: after it, the setup calls it made are themselves denied.
func loadSeccomp(p Policy) error {
	deny := seccomp.ActErrno.SetReturnCode(int16(p.DenyErrno))
	if p.KillOnDeny {
		deny = seccomp.ActKillProcess
	}
	f, err := seccomp.NewFilter(deny)
	if err != nil {
		return err
	}
	defer f.Release()
	if err := f.SetNoNewPrivsBit(true); err != nil {
		return err
	}
	// Other architectures' syscall numbers (x32, i386 via int 0x80) must not
	// be a way around the list.
	if err := f.SetBadArchAction(seccomp.ActKillProcess); err != nil {
		return err
	}
	for _, r := range allowedSyscalls() {
		call, err := seccomp.GetSyscallFromName(r.Name)
		if err != nil {
			continue // not a syscall on this architecture (e.g. open on arm64)
		}
		if len(r.If) == 0 {
			if err := f.AddRule(call, seccomp.ActAllow); err != nil {
				return fmt.Errorf("allow %s: %w", r.Name, err)
			}
			continue
		}
		conds := make([]seccomp.ScmpCondition, 0, len(r.If))
		for _, c := range r.If {
			var cond seccomp.ScmpCondition
			switch c.Op {
			case "eq":
				cond, err = seccomp.MakeCondition(c.Arg, seccomp.CompareEqual, c.Value)
			case "ne":
				cond, err = seccomp.MakeCondition(c.Arg, seccomp.CompareNotEqual, c.Value)
			case "masked_eq":
				cond, err = seccomp.MakeCondition(c.Arg, seccomp.CompareMaskedEqual, c.Mask, c.Value)
			default:
				err = fmt.Errorf("unknown op %q", c.Op)
			}
			if err != nil {
				return fmt.Errorf("condition on %s: %w", r.Name, err)
			}
			conds = append(conds, cond)
		}
		if err := f.AddRuleConditional(call, seccomp.ActAllow, conds); err != nil {
			return fmt.Errorf("allow %s conditionally: %w", r.Name, err)
		}
	}
	for _, n := range enosysSyscalls() {
		if call, err := seccomp.GetSyscallFromName(n); err == nil {
			if err := f.AddRule(call, seccomp.ActErrno.SetReturnCode(int16(unix.ENOSYS))); err != nil {
				return fmt.Errorf("enosys %s: %w", n, err)
			}
		}
	}
	return f.Load()
}
