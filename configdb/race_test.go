//go:build race

package configdb

const raceEnabled = true
