package modes

import "github.com/gatehouse-vpn/gatehouse/grammar"

func init() { areas = append(areas, registerPlatformShow) }

// DataplaneStatus is what "show platform dataplane" reports: which backend
// forwards, why it was chosen, and its backend-wide counters in order.
type DataplaneStatus struct {
	Backend, Reason string
	Counters        []NamedCounter
}

// NamedCounter is one counter line.
type NamedCounter struct {
	Name  string
	Value uint64
}

func registerPlatformShow(t *Tree) {
	t.Exec.Add(&grammar.Command{Def: "show platform dataplane", Privilege: 15,
		Help: "\nShow platform information\nShow the data plane backend and its counters",
		Action: PipeShow{Run: func(c *Ctx) error {
			if c.Env.Dataplane == nil {
				c.Printf("Data plane: none (IKE is off)\n")
				return nil
			}
			st := c.Env.Dataplane()
			c.Printf("Data plane: %s\n", st.Backend)
			c.Printf("  Chosen because: %s\n", st.Reason)
			for _, k := range st.Counters {
				c.Printf("  %-28s %d\n", k.Name+":", k.Value)
			}
			return nil
		}}})
}
