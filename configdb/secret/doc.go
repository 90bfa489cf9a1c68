// Package secret implements the IOS password and key encodings: type 7
// (reversible obfuscation, what "service password-encryption" shows), type 9
// (scrypt hash, what "secret" stores) and the constant-time check of a typed
// password against any stored form.
//
// Type 7 is not encryption: it only keeps keys off shoulders. It is what IOS
// shows, so operators can paste configurations between boxes.
package secret
