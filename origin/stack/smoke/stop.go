package smoke

import (
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/imgorigin/imgorigin/origin/stack"
)

// stopped stops the stack and checks that none of its processes is left and that none of
// its addresses answers.
func (c *checker) stopped(stop func() error, pids []stack.Pid) {
	if err := stop(); err != nil {
		c.fail("make stop failed: %v", err)
	}
	var left []string
	for _, p := range pids {
		if p.Alive() {
			left = append(left, p.Name+"("+strconv.Itoa(p.Pid)+")")
		}
	}
	c.check(len(left) == 0, fmt.Sprintf("no process of pids is left (%d stopped)", len(pids)),
		"none; still running: "+strings.Join(left, " "))
	var busy []string
	for name, addr := range c.list.Listen {
		if conn, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			conn.Close()
			busy = append(busy, name+" "+addr)
		}
	}
	slices.Sort(busy)
	c.check(len(c.list.Listen) > 0 && len(busy) == 0, fmt.Sprintf("the stack's %d addresses are free", len(c.list.Listen)),
		"every address of urls.json closed; still answering: "+strings.Join(busy, ", "))
}
