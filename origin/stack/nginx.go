package stack

import "errors"

// StartNginx starts one more nginx beside the stack (e.g. a static file server that a
// benchmark compares the origin with) on a free port of 127.0.0.1: render returns its whole
// nginx.conf for that listen address. The stack runs it as it runs its own (prefix
// <Dir>/<name>, `daemon off`, its pid file, errors to logs/<name>.log, `user root;` when
// running as root: render must write none of these) and stops it with the stack; StopNginx
// stops it by name. It returns the address it listens on.
func (s *Stack) StartNginx(name string, render func(listen string) (string, error)) (string, error) {
	for attempt := 1; ; attempt++ {
		listen, err := freeAddr()
		if err != nil {
			return "", err
		}
		conf, err := render(listen)
		if err != nil {
			return "", err
		}
		err = s.startNginx(name, conf, listen, rootUserDirective())
		if err == nil {
			return listen, nil
		}
		if !errors.Is(err, errPortInUse) || attempt == 3 {
			return "", err
		}
		s.logf("%v\nstack: starting %s again on other ports", err, name)
	}
}
