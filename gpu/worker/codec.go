package worker

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"

	"google.golang.org/protobuf/proto"
)

// DefaultMaxFrame is the largest frame either side sends or accepts unless
// configured otherwise: 16 MiB.
const DefaultMaxFrame = 16 << 20

// Encoder writes length-prefixed protobuf frames. Not safe for concurrent
// use.
type Encoder struct {
	w   io.Writer
	max int
	buf []byte
}

// NewEncoder writes frames to w; maxFrame <= 0 means DefaultMaxFrame.
func NewEncoder(w io.Writer, maxFrame int) *Encoder {
	if maxFrame <= 0 {
		maxFrame = DefaultMaxFrame
	}
	return &Encoder{w: w, max: maxFrame}
}

// Encode writes m as one frame, or nothing (ErrFrameTooLarge) if it is
// larger than the limit.
func (e *Encoder) Encode(m proto.Message) error {
	b, err := proto.MarshalOptions{}.MarshalAppend(append(e.buf[:0], 0, 0, 0, 0), m)
	if err != nil {
		return fmt.Errorf("encode frame: %w", err)
	}
	e.buf = b
	n := len(b) - 4
	if n > e.max {
		return fmt.Errorf("encode frame: %d bytes: %w (limit %d)", n, ErrFrameTooLarge, e.max)
	}
	binary.BigEndian.PutUint32(b, uint32(n))
	// One write per frame, so a frame is never interleaved or half-sent on
	// a short write that returns no error.
	if _, err := e.w.Write(b); err != nil {
		return fmt.Errorf("write frame: %w", err)
	}
	return nil
}

// Decoder reads length-prefixed protobuf frames. Not safe for concurrent
// use.
type Decoder struct {
	r   *bufio.Reader
	max int
	buf []byte
}

// NewDecoder reads frames from r; maxFrame <= 0 means DefaultMaxFrame.
func NewDecoder(r io.Reader, maxFrame int) *Decoder {
	if maxFrame <= 0 {
		maxFrame = DefaultMaxFrame
	}
	return &Decoder{r: bufio.NewReaderSize(r, 64<<10), max: maxFrame}
}

// Decode reads the next frame into m. It returns io.EOF at a clean end of
// stream, io.ErrUnexpectedEOF inside a frame, ErrFrameTooLarge for a length
// over the limit (before reading or allocating the body) and
// ErrMalformedFrame for a body that is not a valid m. After any error the
// stream is unusable.
func (d *Decoder) Decode(m proto.Message) error {
	var head [4]byte
	if _, err := io.ReadFull(d.r, head[:]); err != nil {
		return err
	}
	n := binary.BigEndian.Uint32(head[:])
	if uint64(n) > uint64(d.max) {
		return fmt.Errorf("decode frame: %d bytes: %w (limit %d)", n, ErrFrameTooLarge, d.max)
	}
	if cap(d.buf) < int(n) {
		d.buf = make([]byte, n)
	}
	body := d.buf[:n]
	if _, err := io.ReadFull(d.r, body); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return err
	}
	if err := proto.Unmarshal(body, m); err != nil {
		return fmt.Errorf("decode frame: %w: %v", ErrMalformedFrame, err)
	}
	return nil
}
