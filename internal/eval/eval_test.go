package eval

import (
	"bytes"
	"context"
	"customs/internal/manifest"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"customs/internal/archivetest"
	"customs/internal/finding"
	"customs/internal/inspect"
)

func outcome(eco, label, cluster string, v finding.Verdict, err string) Outcome {
	return Outcome{Row: manifest.Row{Path: cluster, Ecosystem: eco, Label: label, Cluster: cluster}, Verdict: v, Error: err, Detected: eco}
}

func TestGroupsCountPerTargetAndPerCluster(t *testing.T) {
	outs := []Outcome{
		// Malware: cluster a has 3 samples (2 flagged, 1 of them malicious),
		// b one malicious sample, c one unreadable sample.
		outcome("pypi", manifest.LabelMalicious, "a", finding.Malicious, ""),
		outcome("pypi", manifest.LabelMalicious, "a", finding.Suspicious, ""),
		outcome("pypi", manifest.LabelMalicious, "a", finding.Clean, ""),
		outcome("pypi", manifest.LabelMalicious, "b", finding.Malicious, ""),
		outcome("pypi", manifest.LabelMalicious, "c", finding.Clean, "corrupt archive"),
		// Benign npm: one package of 4 modules with one flagged, and a clean one.
		outcome("npm", manifest.LabelBenign, "lodash", finding.Suspicious, ""),
		outcome("npm", manifest.LabelBenign, "lodash", finding.Clean, ""),
		outcome("npm", manifest.LabelBenign, "lodash", finding.Clean, ""),
		outcome("npm", manifest.LabelBenign, "lodash", finding.Clean, ""),
		outcome("npm", manifest.LabelBenign, "left-pad", finding.Clean, ""),
	}
	outs[4].Detected = ""
	outs[9].Detected = "pypi" // metadata disagreed with the manifest
	gs := groups(outs)
	if len(gs) != 2 || gs[0].Ecosystem != "pypi" || gs[1].Ecosystem != "npm" {
		t.Fatalf("groups = %+v, want pypi malware then npm benign", gs)
	}
	mal, ben := gs[0], gs[1]
	check := func(name string, got, want float64) {
		t.Helper()
		if math.Abs(got-want) > 1e-9 {
			t.Errorf("%s = %.4f, want %.4f", name, got, want)
		}
	}
	if mal.Targets != 5 || mal.Clusters != 3 || mal.Errors != 1 || mal.Flagged.Targets != 3 || mal.Malicious.Targets != 2 {
		t.Errorf("malware counts = %+v", mal)
	}
	check("malware flagged per target", mal.Flagged.PerTarget, 3.0/5)
	check("malware flagged per cluster", mal.Flagged.PerCluster, (2.0/3+1+0)/3)
	check("malware malicious per target", mal.Malicious.PerTarget, 2.0/5)
	check("malware malicious per cluster", mal.Malicious.PerCluster, (1.0/3+1+0)/3)
	if ben.Targets != 5 || ben.Clusters != 2 || ben.Mismatched != 1 {
		t.Errorf("benign counts = %+v", ben)
	}
	check("benign flagged per target", ben.Flagged.PerTarget, 1.0/5)
	check("benign flagged per cluster", ben.Flagged.PerCluster, (1.0/4+0)/2)
	check("benign malicious per target", ben.Malicious.PerTarget, 0)
}

func TestMedian(t *testing.T) {
	if got := median(nil); got != 0 {
		t.Errorf("median(nil) = %v", got)
	}
	if got := median([]time.Duration{5, 1, 3}); got != 3 {
		t.Errorf("median(5,1,3) = %v, want 3", got)
	}
	if got := median([]time.Duration{4, 1, 3, 2}); got != 2 {
		t.Errorf("median(4,1,3,2) = %v, want the lower middle 2", got)
	}
}

func TestRunOnTinyCorpus(t *testing.T) {
	dir := t.TempDir()
	pkg := map[string]string{"package.json": `{"name":"tiny","version":"1.0.0"}`, "index.js": "module.exports = 1;\n"}
	archivetest.WriteTarGz(t, dir, "tiny.tgz", archivetest.Files("package/", pkg)...)
	archivetest.WriteTarGz(t, dir, "other.tgz", archivetest.Files("package/", map[string]string{"package.json": `{"name":"other","version":"2.0.0"}`, "lib.js": strings.Repeat("x = 1;\n", 1000)})...)
	path := filepath.Join(dir, "manifest.tsv")
	if err := os.WriteFile(path, []byte("path\tlabel\tecosystem\tcluster\ntiny.tgz\tbenign\tnpm\ttiny\nmissing.tgz\tmalicious\tnpm\tm\nother.tgz\tbenign\tnpm\tother\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "install-scripts.txt"), []byte("other.tgz\tother@2.0.0\tinstall: node-gyp rebuild\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	rows, scripts, err := manifest.ReadAll([]string{path})
	if err != nil {
		t.Fatal(err)
	}
	res := Run(context.Background(), rows, Options{Inspect: inspect.Options{Jobs: 2}, Floor: true, Repeat: 3, InstallScripts: scripts})

	if res.Jobs != 2 || res.Repeat != 3 || len(res.Outcomes) != 3 {
		t.Fatalf("jobs %d repeat %d outcomes %d", res.Jobs, res.Repeat, len(res.Outcomes))
	}
	for i, want := range []string{"tiny.tgz", "missing.tgz", "other.tgz"} {
		if res.Outcomes[i].Path != want {
			t.Errorf("outcome %d is %s, want %s (manifest order)", i, res.Outcomes[i].Path, want)
		}
	}
	tiny, missing, other := res.Outcomes[0], res.Outcomes[1], res.Outcomes[2]
	if tiny.Error != "" || tiny.Verdict != finding.Clean || tiny.Detected != "npm" {
		t.Errorf("tiny: %+v", tiny)
	}
	if missing.Error == "" || missing.FloorError == "" || missing.Flagged() {
		t.Errorf("a missing target must be an unreadable, unflagged outcome: %+v", missing)
	}
	if want := int64(len(pkg["package.json"]) + len(pkg["index.js"])); tiny.FloorBytes != want {
		t.Errorf("floor read %d bytes of tiny, want %d", tiny.FloorBytes, want)
	}
	if other.FloorBytes <= tiny.FloorBytes {
		t.Errorf("floor bytes: other %d <= tiny %d", other.FloorBytes, tiny.FloorBytes)
	}
	if len(res.Speed) != 2 || res.Speed[0].Ecosystem != "npm" || res.Speed[1].Ecosystem != AllEcosystems {
		t.Fatalf("speed rows = %+v", res.Speed)
	}
	all := res.Speed[1]
	if all.Targets != 3 || all.Bytes != tiny.FloorBytes+other.FloorBytes || all.Inspect <= 0 || all.Floor <= 0 || all.Ratio <= 0 {
		t.Errorf("all: %+v", all)
	}
	if len(res.Installs) != 1 || res.Installs[0].Path != "other.tgz" || res.Installs[0].Verdict != other.Verdict {
		t.Errorf("install-script packages = %+v", res.Installs)
	}
	if runtime.GOOS == "linux" && res.PeakRSS <= 0 {
		t.Error("no peak RSS on linux")
	}

	var text bytes.Buffer
	if err := res.WriteText(&text, true); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"customs eval: 3 targets, inspect with 2 job(s), floor on, 3 repeat(s)", "malware not flagged",
		"  missing.tgz  [npm m] unreadable: ", "other.tgz  other@2.0.0 (install: node-gyp rebuild)", "peak memory", "the ratio is not like for like"} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("text output lacks %q:\n%s", want, text.String())
		}
	}
}
