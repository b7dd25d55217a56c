//go:build !unix

package pgtest

import "os/exec"

type account struct{}

func unprivileged(string) (*account, error) { return nil, nil }

func (*account) apply(*exec.Cmd) {}
