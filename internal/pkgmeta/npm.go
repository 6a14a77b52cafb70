package pkgmeta

import (
	"encoding/json"
	"path"
	"slices"
	"strings"
)

// installLifecycle are the scripts npm runs when it installs a package
// from a registry tarball ("prepare" runs only for git and local
// installs; it stays visible in Meta.Scripts).
var installLifecycle = []string{"preinstall", "install", "postinstall"}

// maxDependencies bounds the dependencies kept from one manifest.
const maxDependencies = 10_000

// parsePackageJSON reads an npm package.json found in directory root.
// hasGyp says whether root holds a binding.gyp. Each field is decoded on
// its own so that one field of an unexpected type (a hostile or merely
// sloppy manifest) does not hide the others.
func parsePackageJSON(data []byte, root string, hasGyp bool) (Meta, error) {
	m := Meta{Ecosystem: NPM, Root: root}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(data, &doc); err != nil {
		return m, err
	}
	m.Name = jsonString(doc["name"])
	m.Version = jsonString(doc["version"])
	m.Summary = jsonString(doc["description"])
	m.Authors = npmPeople(doc["author"], doc["maintainers"], doc["contributors"])

	var scripts map[string]json.RawMessage
	_ = json.Unmarshal(doc["scripts"], &scripts)
	for name, raw := range scripts {
		if s, ok := jsonStringOK(raw); ok {
			if m.Scripts == nil {
				m.Scripts = map[string]string{}
			}
			m.Scripts[name] = s
		}
	}
	for _, name := range installLifecycle {
		if s, ok := m.Scripts[name]; ok {
			if m.InstallScripts == nil {
				m.InstallScripts = map[string]string{}
			}
			m.InstallScripts[name] = s
		}
	}
	// npm's default: a root binding.gyp without an install or preinstall
	// script (and without "gypfile": false) is built at install.
	_, hasInstall := m.Scripts["install"]
	_, hasPreinstall := m.Scripts["preinstall"]
	if hasGyp && !hasInstall && !hasPreinstall && string(doc["gypfile"]) != "false" {
		if m.InstallScripts == nil {
			m.InstallScripts = map[string]string{}
		}
		m.InstallScripts["install (implicit)"] = "node-gyp rebuild"
	}

	// npm falls back to index.js when main is absent (or unusable).
	m.Main = inRoot(root, jsonString(doc["main"]))
	if m.Main == "" {
		m.Main = root + "index.js"
	}

	if s, ok := jsonStringOK(doc["bin"]); ok {
		cmd := m.Name
		if i := strings.LastIndexByte(cmd, '/'); i >= 0 { // @scope/name installs "name"
			cmd = cmd[i+1:]
		}
		if p := inRoot(root, s); p != "" && cmd != "" {
			m.Bin = map[string]string{cmd: p}
		}
	} else {
		var bins map[string]json.RawMessage
		_ = json.Unmarshal(doc["bin"], &bins)
		for cmd, raw := range bins {
			if p := inRoot(root, jsonString(raw)); p != "" {
				if m.Bin == nil {
					m.Bin = map[string]string{}
				}
				m.Bin[cmd] = p
			}
		}
	}
	m.Exports = exportTargets(doc["exports"], root)

	for _, kind := range []struct{ field, kind string }{
		{"dependencies", "prod"},
		{"optionalDependencies", "optional"},
		{"peerDependencies", "peer"},
		{"devDependencies", "dev"},
	} {
		var deps map[string]json.RawMessage
		_ = json.Unmarshal(doc[kind.field], &deps)
		names := make([]string, 0, len(deps))
		for name := range deps {
			names = append(names, name)
		}
		slices.Sort(names)
		for _, name := range names {
			if len(m.Dependencies) < maxDependencies {
				m.Dependencies = append(m.Dependencies, Dependency{Name: name, Spec: jsonString(deps[name]), Kind: kind.kind})
			}
		}
	}

	if s, ok := jsonStringOK(doc["repository"]); ok {
		m.Repository = s
	} else {
		var repo struct {
			URL json.RawMessage `json:"url"`
		}
		_ = json.Unmarshal(doc["repository"], &repo)
		m.Repository = jsonString(repo.URL)
	}
	return m, nil
}

func jsonStringOK(raw json.RawMessage) (string, bool) {
	var s string
	if len(raw) == 0 || raw[0] != '"' || json.Unmarshal(raw, &s) != nil {
		return "", false
	}
	return s, true
}

// maxAuthors bounds the people kept from one manifest.
const maxAuthors = 100

// npmPeople reads npm's "person" fields: a string "Name <email> (url)", an
// object {name, email}, or lists of either.
func npmPeople(fields ...json.RawMessage) []string {
	var out []string
	var add func(raw json.RawMessage, depth int)
	add = func(raw json.RawMessage, depth int) {
		if len(out) >= maxAuthors {
			return
		}
		if s, ok := jsonStringOK(raw); ok {
			out = append(out, s)
			return
		}
		var person struct{ Name, Email string }
		if json.Unmarshal(raw, &person) == nil && (person.Name != "" || person.Email != "") {
			out = append(out, strings.TrimSpace(person.Name+" <"+person.Email+">"))
			return
		}
		var list []json.RawMessage
		if depth == 0 && json.Unmarshal(raw, &list) == nil {
			for _, r := range list {
				add(r, 1)
			}
		}
	}
	for _, f := range fields {
		add(f, 0)
	}
	return out
}

func jsonString(raw json.RawMessage) string {
	s, _ := jsonStringOK(raw)
	return s
}

// inRoot resolves a path a manifest gives relative to the package root
// into an archive path; it returns "" for a path that leaves the root.
func inRoot(root, p string) string {
	p = path.Clean("/" + strings.ReplaceAll(p, `\`, "/"))
	if p == "/" {
		return ""
	}
	return root + p[1:]
}

// maxExports bounds the targets collected from "exports".
const maxExports = 1000

// exportTargets collects the file targets of an "exports" field: a string,
// or nested condition/subpath objects and arrays whose leaves are paths.
func exportTargets(raw json.RawMessage, root string) []string {
	var out []string
	var visit func(v any, depth int)
	visit = func(v any, depth int) {
		if depth > 32 || len(out) >= maxExports {
			return
		}
		switch v := v.(type) {
		case string:
			if strings.HasPrefix(v, "./") {
				if p := inRoot(root, v); p != "" && !slices.Contains(out, p) {
					out = append(out, p)
				}
			}
		case map[string]any:
			keys := make([]string, 0, len(v))
			for k := range v {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			for _, k := range keys {
				visit(v[k], depth+1)
			}
		case []any:
			for _, x := range v {
				visit(x, depth+1)
			}
		}
	}
	var v any
	if len(raw) > 0 && json.Unmarshal(raw, &v) == nil {
		visit(v, 0)
	}
	return out
}
