// Command go-baseline is the smallest Grafana backend data source plugin one can
// build in Go from the parts Grafana's own SDK is made of: hashicorp/go-plugin
// serving grpc-go, with the go-plugin health and controller services. It answers
// pluginv2.Data/QueryData with one precomputed frame (the Arrow IPC file named by
// $GO_BASELINE_FRAME, read at start) for every query, without asking any server.
//
// It is the benchmark baseline (scripts/bench/startup.ts) for what a Go plugin
// costs before it does any work: exec → handshake, idle memory, and the QueryData
// round trip through go-plugin. Built from Debian's packaged sources in GOPATH mode
// (scripts/build-go-baseline.mjs); no generated code: the two pluginv2 messages it
// touches are read and written with the protobuf wire format by hand (field numbers
// from pkg/proto/grafana.proto.ts).
package main

import (
	"context"
	"encoding/binary"
	"errors"
	"os"

	plugin "github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"
)

// rawMessage carries protobuf bytes through grpc-go's proto codec, which uses a
// message's own Marshal/Unmarshal when it has them.
type rawMessage struct{ b []byte }

func (m *rawMessage) Reset()                   { m.b = nil }
func (m *rawMessage) String() string           { return "rawMessage" }
func (*rawMessage) ProtoMessage()              {}
func (m *rawMessage) Marshal() ([]byte, error) { return m.b, nil }
func (m *rawMessage) Unmarshal(b []byte) error { m.b = append([]byte(nil), b...); return nil }

const (
	wireVarint = 0
	wireI64    = 1
	wireBytes  = 2
	wireI32    = 5
)

var errMalformed = errors.New("malformed protobuf")

// fields calls fn for each top-level field of a protobuf message; fn sees the
// payload of length-delimited fields.
func fields(b []byte, fn func(num int, wire int, payload []byte) error) error {
	for len(b) > 0 {
		key, n := binary.Uvarint(b)
		if n <= 0 {
			return errMalformed
		}
		b = b[n:]
		num, wire := int(key>>3), int(key&7)
		var payload []byte
		switch wire {
		case wireVarint:
			_, n = binary.Uvarint(b)
			if n <= 0 {
				return errMalformed
			}
		case wireI64:
			n = 8
		case wireI32:
			n = 4
		case wireBytes:
			l, m := binary.Uvarint(b)
			if m <= 0 || uint64(len(b)-m) < l {
				return errMalformed
			}
			payload, n = b[m:m+int(l)], m+int(l)
		default:
			return errMalformed
		}
		if n > len(b) {
			return errMalformed
		}
		if err := fn(num, wire, payload); err != nil {
			return err
		}
		b = b[n:]
	}
	return nil
}

func appendBytesField(dst []byte, num int, payload []byte) []byte {
	dst = binary.AppendUvarint(dst, uint64(num)<<3|wireBytes)
	dst = binary.AppendUvarint(dst, uint64(len(payload)))
	return append(dst, payload...)
}

// refIDs reads QueryDataRequest.queries (3) → DataQuery.refId (1).
func refIDs(req []byte) ([]string, error) {
	var ids []string
	err := fields(req, func(num, wire int, query []byte) error {
		if num != 3 || wire != wireBytes {
			return nil
		}
		id := ""
		err := fields(query, func(n, w int, p []byte) error {
			if n == 1 && w == wireBytes {
				id = string(p)
			}
			return nil
		})
		ids = append(ids, id)
		return err
	})
	return ids, err
}

type dataServer struct{ dataResponse []byte }

// queryData answers QueryDataResponse{responses (1): map refId → DataResponse{frames (1): [frame]}}.
func (s *dataServer) queryData(req []byte) ([]byte, error) {
	ids, err := refIDs(req)
	if err != nil {
		return nil, err
	}
	var out []byte
	for _, id := range ids {
		entry := appendBytesField(nil, 1, []byte(id))
		entry = appendBytesField(entry, 2, s.dataResponse)
		out = appendBytesField(out, 1, entry)
	}
	return out, nil
}

var dataServiceDesc = grpc.ServiceDesc{
	ServiceName: "pluginv2.Data",
	HandlerType: (*interface{})(nil),
	Methods: []grpc.MethodDesc{{
		MethodName: "QueryData",
		Handler: func(srv interface{}, ctx context.Context, dec func(interface{}) error, _ grpc.UnaryServerInterceptor) (interface{}, error) {
			var req rawMessage
			if err := dec(&req); err != nil {
				return nil, err
			}
			res, err := srv.(*dataServer).queryData(req.b)
			if err != nil {
				return nil, err
			}
			return &rawMessage{b: res}, nil
		},
	}},
	Streams: []grpc.StreamDesc{},
}

type dataPlugin struct {
	plugin.NetRPCUnsupportedPlugin
	server *dataServer
}

func (p *dataPlugin) GRPCServer(_ *plugin.GRPCBroker, s *grpc.Server) error {
	s.RegisterService(&dataServiceDesc, p.server)
	return nil
}

func (*dataPlugin) GRPCClient(context.Context, *plugin.GRPCBroker, *grpc.ClientConn) (interface{}, error) {
	return nil, errors.New("go-baseline only serves")
}

func main() {
	var frame []byte
	if path := os.Getenv("GO_BASELINE_FRAME"); path != "" {
		var err error
		if frame, err = os.ReadFile(path); err != nil {
			os.Stderr.WriteString("go-baseline: " + err.Error() + "\n")
			os.Exit(1)
		}
	}
	server := &dataServer{dataResponse: appendBytesField(nil, 1, frame)}
	plugin.Serve(&plugin.ServeConfig{
		HandshakeConfig: plugin.HandshakeConfig{
			ProtocolVersion:  2,
			MagicCookieKey:   "grafana_plugin_type",
			MagicCookieValue: "datasource",
		},
		Plugins:    plugin.PluginSet{"data": &dataPlugin{server: server}},
		GRPCServer: plugin.DefaultGRPCServer,
	})
}
