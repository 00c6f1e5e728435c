// Package sourcetest holds the conformance suite every source.Source implementation passes, and
// Memory, an in-memory Source for tests of the packages that consume sources.
//
// An implementation's test calls Run with a function that builds a fresh Harness per subtest:
//
//	func TestConformance(t *testing.T) {
//		sourcetest.Run(t, func(t *testing.T) sourcetest.Harness {
//			src := newSourceForTest(t)
//			return sourcetest.Harness{
//				Source:     src,
//				Put:        func(t *testing.T, name string, data []byte) string { return seed(t, name, data) },
//				MissingKey: "no/such/object.jpg",
//				OddKeys:    true,
//			}
//		})
//	}
//
// Keys are the unescaped object keys taken from the image URL: slash-separated, no leading
// slash, valid UTF-8. The suite checks: found (bytes and Info), identity stability and change on
// overwrite, not found, empty objects, the over-limit path through source.ReadAll (and the
// source's own size limit when Harness.Limit is set), cancelled contexts, 32 concurrent reads,
// keys with odd characters, and keys that try to escape (.., absolute, NUL).
//
// Writable implementations (source.ReadWriter) also pass RunWriter: create and read back,
// create-only keys, the key rule (given or store-assigned), invalid keys, delete, cancelled
// contexts and concurrent creates of one key.
package sourcetest
