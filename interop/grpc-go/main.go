// Command xds-client is a proxyless grpc-go xDS client driven by the Attaché interop tests
// (io.attache.controlplane.interop.GrpcGoXdsIT). It reads its bootstrap from GRPC_XDS_BOOTSTRAP,
// prints one hello line with its grpc-go version, then answers each command line on stdin
//
//	{"id": 1, "target": "portal", "method": "Who", "headers": {"x-variant": "beta"}, "count": 3}
//
// with one result line on stdout: the outcome of each unary call to xds:///<target> on the interop
// service attache.interop.Echo (empty request, the answering backend's name as the reply).
// One channel per target lives as long as the process, so config pushed between commands reaches
// the same channel. It judges nothing: the JUnit test compares what it printed with the policy.
// It exits when stdin closes.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"runtime/debug"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	_ "google.golang.org/grpc/xds" // registers the xds:/// resolver and gRPC's xDS balancers
)

type command struct {
	ID        int               `json:"id"`
	Target    string            `json:"target"`
	Method    string            `json:"method"`
	Headers   map[string]string `json:"headers"`
	Count     int               `json:"count"`
	TimeoutMs int               `json:"timeout_ms"`
}

type call struct {
	Code    int    `json:"code"`
	Backend string `json:"backend"`
	Details string `json:"details"`
}

type result struct {
	ID    int    `json:"id"`
	Calls []call `json:"calls"`
	Error string `json:"error,omitempty"`
}

// rawCodec passes the interop service's bytes through untouched; it keeps the "proto" name so the
// content-type is the usual application/grpc+proto.
type rawCodec struct{}

func (rawCodec) Marshal(v any) ([]byte, error) { return *(v.(*[]byte)), nil }
func (rawCodec) Unmarshal(data []byte, v any) error {
	*(v.(*[]byte)) = append([]byte(nil), data...)
	return nil
}
func (rawCodec) Name() string { return "proto" }

func grpcVersion() string {
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, dep := range info.Deps {
			if dep.Path == "google.golang.org/grpc" {
				return dep.Version
			}
		}
	}
	return grpc.Version
}

func main() {
	out := json.NewEncoder(os.Stdout)
	if err := out.Encode(map[string]string{"client": "grpc-go", "version": grpcVersion()}); err != nil {
		os.Exit(2)
	}
	channels := map[string]*grpc.ClientConn{}
	defer func() {
		for _, conn := range channels {
			conn.Close()
		}
	}()
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 1<<20)
	for in.Scan() {
		if len(bytes.TrimSpace(in.Bytes())) == 0 {
			continue
		}
		var cmd command
		if err := json.Unmarshal(in.Bytes(), &cmd); err != nil {
			out.Encode(result{ID: -1, Error: "bad command: " + err.Error()})
			continue
		}
		conn, ok := channels[cmd.Target]
		if !ok {
			var err error
			conn, err = grpc.NewClient("xds:///"+cmd.Target,
				grpc.WithTransportCredentials(insecure.NewCredentials()))
			if err != nil {
				out.Encode(result{ID: cmd.ID, Error: "channel: " + err.Error()})
				continue
			}
			channels[cmd.Target] = conn
		}
		out.Encode(result{ID: cmd.ID, Calls: run(conn, cmd)})
	}
}

func run(conn *grpc.ClientConn, cmd command) []call {
	timeout := time.Duration(cmd.TimeoutMs) * time.Millisecond
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	count := cmd.Count
	if count <= 0 {
		count = 1
	}
	pairs := make([]string, 0, 2*len(cmd.Headers))
	for name, value := range cmd.Headers {
		pairs = append(pairs, name, value)
	}
	calls := make([]call, 0, count)
	for i := 0; i < count; i++ {
		ctx, cancel := context.WithTimeout(
			metadata.NewOutgoingContext(context.Background(), metadata.Pairs(pairs...)), timeout)
		request, reply := []byte{}, []byte{}
		err := conn.Invoke(ctx, fmt.Sprintf("/attache.interop.Echo/%s", cmd.Method), &request, &reply,
			grpc.ForceCodec(rawCodec{}))
		cancel()
		if err != nil {
			s := status.Convert(err)
			calls = append(calls, call{Code: int(s.Code()), Details: s.Message()})
		} else {
			calls = append(calls, call{Code: 0, Backend: string(reply)})
		}
	}
	return calls
}
