package auth

import (
	"errors"

	"github.com/imgorigin/imgorigin/signer"
)

// ErrUploadsOff refuses uploads and deletes on a node without signing keys: the write path
// never runs unauthenticated, whatever the read path's mode.
var ErrUploadsOff = errors.New("uploads need signing keys (auth.keys or auth.key_file)")

// UploadPolicy verifies an upload policy token with the current keys and returns the policy,
// or a *Denial.
func (a *Authorizer) UploadPolicy(token string) (signer.UploadPolicy, error) {
	st := a.state.Load()
	if st.verifier == nil {
		return signer.UploadPolicy{}, deny(ErrUploadsOff)
	}
	if token == "" {
		return signer.UploadPolicy{}, deny(ErrMissingToken)
	}
	p, err := st.verifier.VerifyUploadPolicy(token)
	if err != nil {
		return signer.UploadPolicy{}, deny(err)
	}
	return p, nil
}

// CheckDelete verifies the native token of a signed delete of escapedPath (/u/{source}/{key}).
// Only the app's own token counts: no origin secret, no CDN token.
func (a *Authorizer) CheckDelete(escapedPath, token string) error {
	st := a.state.Load()
	if st.verifier == nil {
		return deny(ErrUploadsOff)
	}
	if token == "" {
		return deny(ErrMissingToken)
	}
	return deny(st.verifier.Verify("DELETE", escapedPath, token))
}

// Ring returns the current key ring (nil without keys), for signing the URLs an upload
// answers with.
func (a *Authorizer) Ring() *signer.Ring {
	if v := a.state.Load().verifier; v != nil {
		return v.Ring()
	}
	return nil
}

// TokenParam is the query parameter that carries native tokens.
func (a *Authorizer) TokenParam() string { return a.state.Load().param }
