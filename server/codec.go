package server

import (
	"google.golang.org/grpc"
	"google.golang.org/grpc/encoding"
	"google.golang.org/grpc/encoding/proto"
	"google.golang.org/grpc/mem"
)

// encodedMessage is a message already in protobuf wire form, sent as it
// is: StreamCorpus encodes its messages straight from the store's rows
// (pbconv.AppendCorpusDocument) instead of building and marshalling a
// message tree per document.
type encodedMessage struct {
	data mem.BufferSlice
}

// newEncodedMessage copies an encoding into a buffer of gRPC's pool, which
// gRPC gives back once the message is written, so that the caller may
// reuse b at once.
func newEncodedMessage(b []byte) *encodedMessage {
	pool := mem.DefaultBufferPool()
	buf := pool.Get(len(b))
	copy(*buf, b)
	return &encodedMessage{data: mem.BufferSlice{mem.NewBuffer(buf, pool)}}
}

// wireCodec is gRPC's protobuf codec that also sends encodedMessages.
type wireCodec struct {
	encoding.CodecV2
}

func (c wireCodec) Marshal(v any) (mem.BufferSlice, error) {
	if m, ok := v.(*encodedMessage); ok {
		return m.data, nil
	}
	return c.CodecV2.Marshal(v)
}

// codecOption makes a server use wireCodec.
func codecOption() grpc.ServerOption {
	return grpc.ForceServerCodecV2(wireCodec{encoding.GetCodecV2(proto.Name)})
}
