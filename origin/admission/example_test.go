package admission_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/imgorigin/imgorigin/origin/admission"
)

func ExampleController_Acquire() {
	c, err := admission.New(admission.Config{Capacity: 20, MaxQueue: 0, MaxWait: time.Second})
	if err != nil {
		fmt.Println(err)
		return
	}
	release, err := c.Acquire(context.Background(), 13) // a 12 MP JPEG → 300 px JPEG
	if err != nil {
		fmt.Println(err)
		return
	}
	// No room for another, and no queue: shed at once (the server answers 503 + Retry-After).
	_, err = c.Acquire(context.Background(), 13)
	fmt.Println(errors.Is(err, admission.ErrOverloaded), c.InFlight(), c.Used())
	release()
	fmt.Println(c.InFlight(), c.Used())
	// Output:
	// true 1 13
	// 0 0
}
