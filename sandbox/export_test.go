package sandbox

// Exported for tests in package sandbox_test.
var (
	RenderRules  = renderRules
	AllowedNames = func() []string {
		var n []string
		for _, r := range allowedSyscalls() {
			n = append(n, r.Name)
		}
		return n
	}
	DeniedSyscalls = deniedSyscalls
)
