package diff

import (
	"bytes"

	"customs/internal/analyze"
	"customs/internal/finding"
	"customs/internal/rules"
)

// analysis collects the evidence of one comparison before it is weighed.
type analysis struct {
	engine  *analyze.Engine
	result  *Result
	hits    []addedHit
	signals []Signal
	// newHooks are install scripts the old version did not have; newNative
	// native executables where the old version had none.
	newHooks, newNative []string
}

// addedHit is an analyser hit in code the new version added, its line
// that of the new file.
type addedHit struct {
	hit      analyze.Hit
	changed  bool // the old version had the file (else it is new)
	appended bool // the file grew by a block at its end
}

// Signal is an observation of the diff itself (a new install script, code
// obfuscated where it was plain, ...) with the verdict it earns on its own.
type Signal struct {
	Verdict finding.Verdict `json:"verdict"`
	finding.Finding
}

func (a *analysis) signal(v finding.Verdict, f finding.Finding) {
	a.signals = append(a.signals, Signal{v, f})
}

// addedHits runs the analyser on the new content of one file: the added
// regions cut out and joined (so that a minified bundle whose one line
// gained a payload is judged on the payload alone), lines mapped back to the
// new file. A hit that the old version of the file already had is not news.
// It is safe to call from several goroutines.
func addedHits(engine *analyze.Engine, path string, oldData, newData []byte, regions []Region, role, oldRole analyze.Role) []addedHit {
	type span struct{ bufLine, fileLine int }
	var text []byte
	var spans []span
	if len(regions) == 1 {
		text, spans = newData[regions[0].Start:regions[0].End], []span{{1, regions[0].StartLine}}
	} else {
		var buf bytes.Buffer
		line := 1
		for _, r := range regions {
			spans = append(spans, span{line, r.StartLine})
			chunk := newData[r.Start:r.End]
			buf.Write(chunk)
			line += bytes.Count(chunk, []byte{'\n'})
			if len(chunk) > 0 && chunk[len(chunk)-1] != '\n' {
				buf.WriteByte('\n')
				line++
			}
		}
		text = buf.Bytes()
	}
	// The language comes from the whole file: the added text alone may have
	// lost the shebang that names it.
	lang := analyze.Language(path, newData)
	hits := engine.File(path, text, analyze.FileContext{Role: role, Language: lang})
	if len(hits) == 0 {
		return nil
	}
	var old map[string]bool
	if oldData != nil {
		old = map[string]bool{}
		for _, h := range engine.File(path, oldData, analyze.FileContext{Role: oldRole, Language: lang}) {
			old[h.Rule.ID] = true
			old[h.Rule.ID+"\x00"+h.Evidence] = true
		}
	}
	appended := oldData != nil && len(newData) > len(oldData) && bytes.HasPrefix(newData, oldData)
	var out []addedHit
	for _, h := range hits {
		// Obfuscation is judged per file (its evidence differs with every
		// build); other hits by what they matched.
		if old[h.Rule.ID+"\x00"+h.Evidence] || (h.Rule.Class == rules.Obfuscation && old[h.Rule.ID]) {
			continue
		}
		for i := len(spans) - 1; i >= 0; i-- {
			if h.Line >= spans[i].bufLine {
				h.Line = spans[i].fileLine + h.Line - spans[i].bufLine
				break
			}
		}
		out = append(out, addedHit{hit: h, changed: oldData != nil, appended: appended})
	}
	return out
}

// obfuscates reports whether hits show obfuscation of the strong kind.
func obfuscates(hits []addedHit) bool {
	for _, h := range hits {
		if h.hit.Rule.Class == rules.Obfuscation && strongObfuscation[h.hit.Rule.Detector] {
			return true
		}
	}
	return false
}

// fileEvidence is the added-code evidence of one file, for weighing.
type fileEvidence struct {
	path        string
	role        analyze.Role
	changed     bool
	appended    bool
	threat      *addedHit // the most severe threat
	obfuscation *addedHit // javascript-obfuscator output or a decoded payload
	capability  *addedHit
}

func (a *analysis) evidenceByFile() []*fileEvidence {
	var order []*fileEvidence
	byPath := map[string]*fileEvidence{}
	for i := range a.hits {
		h := &a.hits[i]
		e := byPath[h.hit.File]
		if e == nil {
			e = &fileEvidence{path: h.hit.File, role: h.hit.Role, changed: h.changed, appended: h.appended}
			byPath[h.hit.File] = e
			order = append(order, e)
		}
		switch {
		case h.hit.Rule.Class == rules.Threat || h.hit.Decoded && h.hit.Rule.Class != rules.Obfuscation:
			if e.threat == nil || h.hit.Rule.Severity > e.threat.hit.Rule.Severity {
				e.threat = h
			}
		case h.hit.Rule.Class == rules.Obfuscation && strongObfuscation[h.hit.Rule.Detector]:
			if e.obfuscation == nil {
				e.obfuscation = h
			}
		case h.hit.Rule.Class == rules.Capability:
			if e.capability == nil || h.hit.Rule.Severity > e.capability.hit.Rule.Severity {
				e.capability = h
			}
		}
	}
	return order
}

// strongObfuscation are the obfuscation detectors that benign releases do
// not trip: a minified bundle has long lines, but not javascript-obfuscator
// identifiers or code hidden in an encoded literal.
var strongObfuscation = map[string]bool{"js-obfuscator": true, "decoded-payload": true}
