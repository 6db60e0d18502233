// Command loopback measures what one small write to a loopback TCP socket costs the
// writing process on this machine, with a reader in another process: the floor under
// bench/live's "server CPU per delivered event", where each delivery is such a write.
//
//	go run ./bench/loopback -n 5000 -events 20 -size 150
package main

import (
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"os/exec"
	"syscall"
	"time"
)

func main() {
	n := flag.Int("n", 5000, "connections")
	events := flag.Int("events", 20, "writes per connection")
	size := flag.Int("size", 150, "bytes per write (a taskQueueChanged event is about 150)")
	interval := flag.Duration("interval", 250*time.Millisecond, "pause between rounds")
	reader := flag.String("reader", "", "internal: run as the reading process, dialing this address")
	flag.Parse()
	if *reader != "" {
		read(*reader, *n)
		return
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	self, err := os.Executable()
	if err != nil {
		log.Fatal(err)
	}
	cmd := exec.Command(self, "-reader", ln.Addr().String(), "-n", fmt.Sprint(*n))
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		log.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	conns := make([]net.Conn, 0, *n)
	for len(conns) < *n {
		c, err := ln.Accept()
		if err != nil {
			log.Fatal(err)
		}
		conns = append(conns, c)
	}
	time.Sleep(time.Second)

	msg := make([]byte, *size)
	user0, sys0 := rusage()
	for range *events {
		for _, c := range conns {
			if _, err := c.Write(msg); err != nil {
				log.Fatal(err)
			}
		}
		time.Sleep(*interval)
	}
	user1, sys1 := rusage()
	writes := time.Duration(*n * *events)
	fmt.Printf("%d writes of %d bytes to %d connections: %s CPU per write (%s in the kernel)\n",
		writes, *size, *n, ((user1-user0)+(sys1-sys0))/writes, (sys1-sys0)/writes)
}

// read opens n connections to addr and discards what arrives, one goroutine each (as
// bench/live's subscribers do).
func read(addr string, n int) {
	for range n {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			log.Fatal(err)
		}
		go func() { _, _ = io.Copy(io.Discard, c) }()
	}
	select {}
}

// rusage returns this process's user and system CPU time.
func rusage() (user, sys time.Duration) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		log.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano()), time.Duration(ru.Stime.Nano())
}
