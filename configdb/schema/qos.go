package schema

// Kinds of the QoS area.
const (
	KindClassMap  = "class-map"  // ClassMap, keyed by name
	KindPolicyMap = "policy-map" // PolicyMap, keyed by name
)

// ClassDefault is the class every policy-map has for unclassified traffic.
const ClassDefault = "class-default"

// ClassMap is "class-map [match-any|match-all] NAME" and its match lines.
type ClassMap struct {
	Name        string       `json:"name"`
	MatchAny    bool         `json:"match_any,omitempty"` // default match-all
	Description string       `json:"description,omitempty"`
	Matches     []ClassMatch `json:"matches,omitempty"`
}

// ClassMatch is one "match" line: Kind "any" or "access-group" (with ACL,
// a name or a number).
type ClassMatch struct {
	Kind string `json:"kind"`
	ACL  string `json:"acl,omitempty"`
}

// PolicyMap is "policy-map NAME" with its classes in configuration order
// (class-default, when configured, is kept last as IOS shows it).
type PolicyMap struct {
	Name        string        `json:"name"`
	Description string        `json:"description,omitempty"`
	Classes     []PolicyClass `json:"classes,omitempty"`
}

// PolicyClass is one "class NAME" of a policy-map and its actions.
type PolicyClass struct {
	Name          string     `json:"name"`
	Police        *Police    `json:"police,omitempty"`
	ShapeAverage  int64      `json:"shape_average,omitempty"` // bits per second
	Bandwidth     *Bandwidth `json:"bandwidth,omitempty"`
	Priority      *Priority  `json:"priority,omitempty"`
	SetDSCP       *int       `json:"set_dscp,omitempty"`
	ServicePolicy string     `json:"service_policy,omitempty"` // child policy-map
}

// Police is "police cir BPS [bc BYTES [be BYTES]]".
type Police struct {
	CIR int64 `json:"cir"`
	BC  int64 `json:"bc,omitempty"`
	BE  int64 `json:"be,omitempty"`
}

// Bandwidth is "bandwidth KBPS", "bandwidth percent P" or "bandwidth
// remaining percent P": exactly one field is set.
type Bandwidth struct {
	Kbps             int64 `json:"kbps,omitempty"`
	Percent          int   `json:"percent,omitempty"`
	RemainingPercent int   `json:"remaining_percent,omitempty"`
}

// Priority is "priority", "priority KBPS [BURST]" or "priority percent P".
type Priority struct {
	Kbps    int64 `json:"kbps,omitempty"`
	Burst   int64 `json:"burst,omitempty"`
	Percent int   `json:"percent,omitempty"`
}
