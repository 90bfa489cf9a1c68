package vtemplate

// CanonicalIfName exposes the name expansion for the test that checks it
// against modes.CanonicalIfName.
var CanonicalIfName = canonicalIfName
