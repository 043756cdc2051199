package plugins

import (
	"context"
	"encoding/json"

	"github.com/ncn-network/ncn/abi"
)

// form is the encoding the plugin is spoken to in for select and price.
func (p *Plugin) form() abi.Form {
	if p.m.Binary {
		return abi.FormBinary
	}
	return abi.FormJSON
}

// Select ranks in.Candidates. The output is checked against the input.
func (p *Plugin) Select(ctx context.Context, in *abi.SelectInput) (*abi.SelectOutput, *Result, error) {
	if err := in.Validate(); err != nil {
		return nil, nil, err
	}
	res, err := p.Call(ctx, abi.KindSelect, abi.EncodeSelectInput(in, p.form()))
	if err != nil {
		return nil, nil, err
	}
	out, err := abi.DecodeSelectOutput(res.Output, in)
	if err != nil {
		return nil, res, p.badOutput(abi.KindSelect, err)
	}
	return out, res, nil
}

// Price prices a request; the tree's amounts are checked.
func (p *Plugin) Price(ctx context.Context, in *abi.PriceInput) (*abi.PriceOutput, *Result, error) {
	if err := in.Validate(); err != nil {
		return nil, nil, err
	}
	res, err := p.Call(ctx, abi.KindPrice, abi.EncodePriceInput(in, p.form()))
	if err != nil {
		return nil, nil, err
	}
	out, err := abi.DecodePriceOutput(res.Output)
	if err == nil {
		_, _, _, _, err = out.Amounts()
	}
	if err != nil {
		return nil, res, p.badOutput(abi.KindPrice, err)
	}
	return out, res, nil
}

// Preprocess checks and transforms an input.
func (p *Plugin) Preprocess(ctx context.Context, in *abi.PreprocessInput) (*abi.PreprocessOutput, *Result, error) {
	var out abi.PreprocessOutput
	res, err := p.callJSON(ctx, abi.KindPreprocess, in, &out, &out.Version)
	return &out, res, err
}

// Postprocess transforms an output.
func (p *Plugin) Postprocess(ctx context.Context, in *abi.PostprocessInput) (*abi.PostprocessOutput, *Result, error) {
	var out abi.PostprocessOutput
	res, err := p.callJSON(ctx, abi.KindPostprocess, in, &out, &out.Version)
	return &out, res, err
}

func (p *Plugin) callJSON(ctx context.Context, kind abi.Kind, in, out any, version *int) (*Result, error) {
	b, err := json.Marshal(in)
	if err != nil {
		return nil, abi.Errorf(abi.CodeInvalidInput, "encode %s input: %v", kind, err)
	}
	res, err := p.Call(ctx, kind, b)
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(res.Output, out); err != nil {
		return res, p.badOutput(kind, abi.Errorf(abi.CodeBadOutput, "%v", err))
	}
	if *version != abi.Version {
		return res, p.badOutput(kind, abi.Errorf(abi.CodeBadOutput, "output version %d, want %d", *version, abi.Version))
	}
	return res, nil
}

func (p *Plugin) badOutput(kind abi.Kind, err error) error {
	e, ok := err.(*abi.Error)
	if !ok || e.Code != abi.CodeBadOutput {
		e = abi.Errorf(abi.CodeBadOutput, "%v", err)
	}
	return &CallError{Plugin: p.m.ID(), Kind: kind, Err: e}
}
