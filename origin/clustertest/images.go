package clustertest

import "github.com/imgorigin/imgorigin/origin/imaging/synth"

// JPEG returns a w×h JPEG (quality 85) of synth.Gradient, so every seed is a distinct original.
func JPEG(w, h, seed int) []byte { return synth.JPEG(synth.Gradient(w, h, seed), 85, 0) }

// PNG returns a w×h PNG of synth.Gradient.
func PNG(w, h, seed int) []byte { return synth.PNG(synth.Gradient(w, h, seed)) }
