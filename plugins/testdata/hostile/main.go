//go:build wasip1

// Command hostile is a test plugin that misbehaves on request: its price
// export does what params["mode"] says. Built by the plugins tests:
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o hostile.wasm ./plugins/testdata/hostile
package main

import (
	"crypto/rand"
	"fmt"
	"hash/fnv"
	"os"
	"strconv"
	"strings"
	"time"

	extism "github.com/extism/go-pdk"

	"github.com/ncn-network/ncn/abi"
	"github.com/ncn-network/ncn/sdk-plugins/pdk"
)

var sink [][]byte

func depth(n int) int {
	var pad [64]byte
	pad[n%64] = byte(n)
	return depth(n+1) + int(pad[0])
}

func misbehave(in *abi.PriceInput) (*abi.PriceOutput, error) {
	switch in.Params["mode"] {
	case "loop":
		for i := 0; ; i++ {
			if i < 0 {
				break
			}
		}
	case "bomb":
		for {
			sink = append(sink, make([]byte, 1<<20))
		}
	case "recurse":
		depth(0)
	case "panic":
		panic("hostile plugin panics")
	case "refuse":
		return nil, abi.Errorf(abi.CodeRejected, "refused on purpose")
	case "garbage":
		return &abi.PriceOutput{Compute: "lots", Gateway: "0", Validators: "0", Treasury: "0"}, nil
	case "ambient":
		// Everything a plugin could use to tell nodes apart: the clock,
		// entropy, the environment, the filesystem. The host makes all of
		// them the same everywhere.
		var b [8]byte
		rand.Read(b[:])
		_, statErr := os.Stat("/etc/hostname")
		env := strings.Join(os.Environ(), ";")
		summary := fmt.Sprintf("%d|%x|%s|%v", time.Now().UnixNano(), b, env, statErr != nil)
		h := fnv.New64a()
		h.Write([]byte(summary))
		return &abi.PriceOutput{Compute: strconv.FormatUint(h.Sum64(), 10), Gateway: strconv.Itoa(len(summary)), Validators: "0", Treasury: "0"}, nil
	case "work":
		// A bounded amount of work: the instruction count grows with it.
		n := len(in.Model) * 1000
		s := 0
		for i := 0; i < n; i++ {
			s += i % 7
		}
		return &abi.PriceOutput{Compute: "1", Gateway: "0", Validators: "0", Treasury: string(rune('0' + s%10))}, nil
	}
	return &abi.PriceOutput{Compute: "1", Gateway: "2", Validators: "3", Treasury: "4"}, nil
}

//go:wasmexport price
func price() int32 { return pdk.Price(misbehave) }

// flood answers every postprocess call with 2 MiB of zeros.
//
//go:wasmexport postprocess
func flood() int32 {
	extism.Output(make([]byte, 2<<20))
	return 0
}

//go:wasmexport select
func spin() int32 {
	for i := 0; ; i++ {
		if i < 0 {
			return 0
		}
	}
}

func main() {}
