// Command go-host launches a Grafana backend plugin executable the way Grafana
// does — hashicorp/go-plugin's client with protocol version 2, the datasource
// magic cookie and gRPC only — and then relays calls to it with grpc-go.
//
// It knows no plugin schema: requests and responses are protobuf bytes (base64)
// that the caller encodes and decodes. One JSON object per line on stdin, one
// answer per line on stdout, matched by "id" (calls run concurrently):
//
//	{"id":1,"method":"/pluginv2.Data/QueryData","request":"<b64>","repeat":1}
//	  -> {"id":1,"ok":true,"response":"<b64>","latenciesNs":[...]}
//	{"id":2,"method":"/pluginv2.Resource/CallResource","request":"<b64>","stream":true}
//	{"id":4,"method":"/pluginv2.Stream/RunStream","request":"<b64>","stream":true,"maxMessages":1}
//	  -> {"id":2,"ok":true,"responses":["<b64>",...],"latenciesNs":[...]}
//	  a failed call -> {"id":1,"ok":false,"code":14,"message":"..."}
//	{"id":3,"cmd":"ping","repeat":10}   go-plugin's Ping (grpc.health.v1 "plugin")
//	{"id":4,"cmd":"kill"}               go-plugin's Kill (GRPCController/Shutdown,
//	                                    then a forced kill after 2 s); the host exits after answering
//
// The first stdout line reports the start: {"event":"started",...} or
// {"event":"error","message":...}. go-plugin's own log (hclog, JSON lines),
// including the plugin's stderr lines as go-plugin parsed them, goes to stderr.
package main

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	hclog "github.com/hashicorp/go-hclog"
	plugin "github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"
	"google.golang.org/grpc/status"
)

// Grafana's handshake for backend data source plugins (grafana-plugin-sdk-go).
var handshake = plugin.HandshakeConfig{
	ProtocolVersion:  2,
	MagicCookieKey:   "grafana_plugin_type",
	MagicCookieValue: "datasource",
}

// connPlugin hands out the raw client connection: Grafana's SDK wraps this same
// connection in its typed pluginv2 clients, we call methods by name on it.
type connPlugin struct {
	plugin.NetRPCUnsupportedPlugin
}

func (connPlugin) GRPCServer(*plugin.GRPCBroker, *grpc.Server) error {
	return errors.New("go-host only consumes plugins")
}

func (connPlugin) GRPCClient(_ context.Context, _ *plugin.GRPCBroker, conn *grpc.ClientConn) (interface{}, error) {
	return conn, nil
}

// rawCodec passes protobuf bytes through untouched. Named "proto" so the wire
// content type is application/grpc+proto, as with generated clients.
type rawCodec struct{}

func (rawCodec) Marshal(v interface{}) ([]byte, error) {
	b, ok := v.(*[]byte)
	if !ok {
		return nil, fmt.Errorf("rawCodec: cannot marshal %T", v)
	}
	return *b, nil
}

func (rawCodec) Unmarshal(data []byte, v interface{}) error {
	b, ok := v.(*[]byte)
	if !ok {
		return fmt.Errorf("rawCodec: cannot unmarshal into %T", v)
	}
	*b = append([]byte(nil), data...) // grpc may reuse data after we return
	return nil
}

func (rawCodec) Name() string { return "proto" }

type command struct {
	ID        int64  `json:"id"`
	Cmd       string `json:"cmd,omitempty"`
	Method    string `json:"method,omitempty"`
	Request   string `json:"request,omitempty"`
	Stream    bool   `json:"stream,omitempty"`
	Repeat    int    `json:"repeat,omitempty"`
	TimeoutMs int64  `json:"timeoutMs,omitempty"`
	// MaxMessages > 0 with Stream: cancel the call once that many messages arrived (as
	// Grafana does when the last subscriber of a live channel leaves) and return them.
	MaxMessages int `json:"maxMessages,omitempty"`
}

type result struct {
	ID          int64    `json:"id"`
	OK          bool     `json:"ok"`
	Response    *string  `json:"response,omitempty"`
	Responses   []string `json:"responses,omitempty"`
	LatenciesNs []int64  `json:"latenciesNs,omitempty"`
	Code        *uint32  `json:"code,omitempty"`
	Message     string   `json:"message,omitempty"`
	// kill only
	KillMs   *float64 `json:"killMs,omitempty"`
	Exited   *bool    `json:"exited,omitempty"`
	ExitCode *int     `json:"exitCode,omitempty"`
	Signal   string   `json:"signal,omitempty"`
}

type output struct {
	mu  sync.Mutex
	enc *json.Encoder
}

func (o *output) write(v interface{}) {
	o.mu.Lock()
	defer o.mu.Unlock()
	_ = o.enc.Encode(v) // stdout gone means our parent is gone; nothing to tell
}

func main() {
	executable := flag.String("plugin", "", "path of the plugin executable")
	level := flag.String("log-level", "trace", "go-plugin logger level (trace, debug, info, warn, error)")
	startTimeout := flag.Duration("start-timeout", 60*time.Second, "how long to wait for the handshake line")
	minPort := flag.Uint("min-port", 0, "PLUGIN_MIN_PORT (go-plugin's default range 10000-25000 when both are 0)")
	maxPort := flag.Uint("max-port", 0, "PLUGIN_MAX_PORT")
	textLog := flag.String("text-log", "", "also write go-plugin's log, in hclog's text format, to this file")
	flag.Parse()
	out := &output{enc: json.NewEncoder(os.Stdout)}
	if *executable == "" {
		out.write(map[string]string{"event": "error", "message": "missing -plugin <executable>"})
		os.Exit(2)
	}

	logger := hclog.NewInterceptLogger(&hclog.LoggerOptions{
		Name:       "plugin",
		Level:      hclog.LevelFromString(*level),
		Output:     os.Stderr,
		JSONFormat: true,
	})
	if *textLog != "" {
		// The plugin's fields as a person reads them: go-plugin hands them over as parsed
		// JSON (numbers as float64) and a text logger prints them with %v, as Grafana's
		// logfmt server log does.
		f, err := os.Create(*textLog)
		if err != nil {
			out.write(map[string]string{"event": "error", "message": "text log: " + err.Error()})
			os.Exit(2)
		}
		defer f.Close()
		logger.RegisterSink(hclog.NewSinkAdapter(&hclog.LoggerOptions{
			Level:  hclog.LevelFromString(*level),
			Output: f,
		}))
	}

	// Grafana runs the executable with no arguments; go-plugin adds the cookie,
	// port range and protocol versions to the environment it inherits from us.
	cmd := exec.Command(*executable)
	client := plugin.NewClient(&plugin.ClientConfig{
		HandshakeConfig:  handshake,
		VersionedPlugins: map[int]plugin.PluginSet{2: {"grafana": connPlugin{}}},
		Cmd:              cmd,
		AllowedProtocols: []plugin.Protocol{plugin.ProtocolGRPC},
		Logger:           logger,
		StartTimeout:     *startTimeout,
		MinPort:          *minPort,
		MaxPort:          *maxPort,
	})

	started := time.Now()
	proto, err := client.Client()
	if err != nil {
		client.Kill()
		out.write(map[string]string{"event": "error", "message": "go-plugin start: " + err.Error()})
		os.Exit(1)
	}
	raw, err := proto.Dispense("grafana")
	if err != nil {
		client.Kill()
		out.write(map[string]string{"event": "error", "message": "go-plugin dispense: " + err.Error()})
		os.Exit(1)
	}
	conn := raw.(*grpc.ClientConn)
	out.write(map[string]interface{}{
		"event":             "started",
		"protocol":          string(client.Protocol()),
		"negotiatedVersion": client.NegotiatedVersion(),
		"pid":               cmd.Process.Pid,
		"startMs":           float64(time.Since(started).Microseconds()) / 1000,
		"executable":        filepath.Base(*executable),
	})

	var killOnce sync.Once
	var killRes result
	kill := func() result {
		killOnce.Do(func() {
			t0 := time.Now()
			client.Kill() // blocks until the process is gone
			ms := float64(time.Since(t0).Microseconds()) / 1000
			exited := client.Exited()
			killRes = result{OK: true, KillMs: &ms, Exited: &exited}
			if st := cmd.ProcessState; st != nil {
				if ws, ok := st.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
					killRes.Signal = ws.Signal().String()
				} else {
					code := st.ExitCode()
					killRes.ExitCode = &code
				}
			}
		})
		return killRes
	}

	// Stopped by our parent (or its test runner): stop the plugin like Grafana does on shutdown.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		<-sigs
		kill()
		os.Exit(0)
	}()

	var calls sync.WaitGroup
	in := bufio.NewReaderSize(os.Stdin, 1<<20)
	for {
		line, err := in.ReadBytes('\n')
		if len(line) > 0 {
			var c command
			if jerr := json.Unmarshal(line, &c); jerr != nil {
				out.write(result{ID: c.ID, Message: "bad command line: " + jerr.Error()})
			} else if c.Cmd == "kill" {
				calls.Wait()
				r := kill()
				r.ID = c.ID
				out.write(r)
				os.Exit(0)
			} else {
				calls.Add(1)
				go func() {
					defer calls.Done()
					out.write(run(conn, proto, c))
				}()
			}
		}
		if err != nil {
			if err != io.EOF {
				logger.Error("reading commands", "error", err)
			}
			break
		}
	}
	// stdin closed: our parent is done with us.
	calls.Wait()
	kill()
}

func run(conn *grpc.ClientConn, proto plugin.ClientProtocol, c command) result {
	repeat := c.Repeat
	if repeat < 1 {
		repeat = 1
	}
	r := result{ID: c.ID, LatenciesNs: make([]int64, 0, repeat)}
	switch {
	case c.Cmd == "ping":
		for i := 0; i < repeat; i++ {
			t0 := time.Now()
			if err := proto.Ping(); err != nil {
				return failure(c.ID, err)
			}
			r.LatenciesNs = append(r.LatenciesNs, time.Since(t0).Nanoseconds())
		}
	case c.Cmd != "":
		return result{ID: c.ID, Message: "unknown cmd " + c.Cmd + " (ping, kill)"}
	case c.Method == "":
		return result{ID: c.ID, Message: "a command needs \"cmd\" or \"method\""}
	default:
		req, err := base64.StdEncoding.DecodeString(c.Request)
		if err != nil {
			return result{ID: c.ID, Message: "request is not base64: " + err.Error()}
		}
		for i := 0; i < repeat; i++ {
			ctx, cancel := context.Background(), context.CancelFunc(func() {})
			if c.TimeoutMs > 0 {
				ctx, cancel = context.WithTimeout(ctx, time.Duration(c.TimeoutMs)*time.Millisecond)
			}
			t0 := time.Now()
			var resp []byte
			var resps [][]byte
			if c.Stream {
				resps, err = serverStream(ctx, conn, c.Method, req, c.MaxMessages)
			} else {
				err = conn.Invoke(ctx, c.Method, &req, &resp, grpc.ForceCodec(rawCodec{}))
			}
			elapsed := time.Since(t0).Nanoseconds()
			cancel()
			if err != nil {
				return failure(c.ID, err)
			}
			r.LatenciesNs = append(r.LatenciesNs, elapsed)
			if i == repeat-1 {
				if c.Stream {
					r.Responses = make([]string, len(resps))
					for j, m := range resps {
						r.Responses[j] = base64.StdEncoding.EncodeToString(m)
					}
				} else {
					s := base64.StdEncoding.EncodeToString(resp)
					r.Response = &s
				}
			}
		}
	}
	r.OK = true
	return r
}

// serverStream sends one request and collects every response message until the end of the
// stream, or until max messages (max > 0) arrived, then cancels the call.
func serverStream(ctx context.Context, conn *grpc.ClientConn, method string, req []byte, max int) ([][]byte, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	desc := &grpc.StreamDesc{ServerStreams: true}
	stream, err := conn.NewStream(ctx, desc, method, grpc.ForceCodec(rawCodec{}))
	if err != nil {
		return nil, err
	}
	// io.EOF from SendMsg means the server already ended the call: RecvMsg has its status.
	if err := stream.SendMsg(&req); err != nil && err != io.EOF {
		return nil, err
	}
	if err := stream.CloseSend(); err != nil {
		return nil, err
	}
	var msgs [][]byte
	for {
		var m []byte
		err := stream.RecvMsg(&m)
		if err == io.EOF {
			return msgs, nil
		}
		if err != nil {
			return nil, err
		}
		msgs = append(msgs, m)
		if max > 0 && len(msgs) >= max {
			return msgs, nil // the deferred cancel ends the call
		}
	}
}

func failure(id int64, err error) result {
	st := status.Convert(err)
	code := uint32(st.Code())
	return result{ID: id, Code: &code, Message: st.Message()}
}
