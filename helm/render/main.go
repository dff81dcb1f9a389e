// Command hbsync-helm-render renders a Helm 3 chart the way `helm template`
// does, for the tests of a machine without the helm binary (helm/README.md).
// It is Go's text/template with sprig (the engine Helm is built on) plus the
// few functions Helm adds that the chart uses: include, tpl, toYaml,
// required and fail. Values: the chart's values.yaml, then each --values
// file merged over it (maps deep-merged, a null deletes a key), as Helm does.
//
//	hbsync-helm-render -chart helm/hbsync [-values f.yaml]... [-name N] [-namespace NS] [-dump-values]
//
// Prints every rendered manifest, each after "---" and a "# Source:" line,
// in file-name order. Exit 1 on any error (a `required` or `fail` included).
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/ioutil"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/template"

	"github.com/Masterminds/sprig"
	"gopkg.in/yaml.v2"
)

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

// jsonish turns what yaml.v2 decodes (map[interface{}]interface{}, ints)
// into what Helm's values are (map[string]interface{}, float64 numbers): a
// round trip through JSON, as sigs.k8s.io/yaml does for Helm.
func jsonish(v interface{}) (interface{}, error) {
	var conv func(interface{}) interface{}
	conv = func(x interface{}) interface{} {
		switch t := x.(type) {
		case map[interface{}]interface{}:
			m := map[string]interface{}{}
			for k, val := range t {
				m[fmt.Sprint(k)] = conv(val)
			}
			return m
		case []interface{}:
			out := make([]interface{}, len(t))
			for i, val := range t {
				out[i] = conv(val)
			}
			return out
		default:
			return x
		}
	}
	data, err := json.Marshal(conv(v))
	if err != nil {
		return nil, err
	}
	var out interface{}
	err = json.Unmarshal(data, &out)
	return out, err
}

func loadYAML(path string) (map[string]interface{}, error) {
	data, err := ioutil.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var raw interface{}
	if err := yaml.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	if raw == nil {
		return map[string]interface{}{}, nil
	}
	v, err := jsonish(raw)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	m, ok := v.(map[string]interface{})
	if !ok {
		return nil, fmt.Errorf("%s: not a mapping", path)
	}
	return m, nil
}

// merge puts src over dst as Helm coalesces user values over the chart's.
func merge(dst, src map[string]interface{}) {
	for k, v := range src {
		if v == nil {
			delete(dst, k)
			continue
		}
		sm, sIsMap := v.(map[string]interface{})
		dm, dIsMap := dst[k].(map[string]interface{})
		if sIsMap && dIsMap {
			merge(dm, sm)
		} else {
			dst[k] = v
		}
	}
}

// toYAML is Helm's toYaml: sigs.k8s.io/yaml (JSON, then yaml.v2), the
// trailing newline trimmed.
func toYAML(v interface{}) string {
	j, err := jsonish(v)
	if err != nil {
		return ""
	}
	data, err := yaml.Marshal(j)
	if err != nil {
		return ""
	}
	return strings.TrimSuffix(string(data), "\n")
}

type renderer struct {
	tmpl *template.Template
}

func (r *renderer) funcs() template.FuncMap {
	f := sprig.TxtFuncMap()
	delete(f, "env") // Helm removes these two
	delete(f, "expandenv")
	f["toYaml"] = toYAML
	f["required"] = func(msg string, v interface{}) (interface{}, error) {
		if v == nil {
			return nil, errors.New(msg)
		}
		if s, ok := v.(string); ok && s == "" {
			return nil, errors.New(msg)
		}
		return v, nil
	}
	f["fail"] = func(msg string) (string, error) { return "", errors.New(msg) }
	f["include"] = func(name string, data interface{}) (string, error) {
		var buf bytes.Buffer
		if err := r.tmpl.ExecuteTemplate(&buf, name, data); err != nil {
			return "", err
		}
		return buf.String(), nil
	}
	f["tpl"] = func(text string, data interface{}) (string, error) {
		t, err := r.tmpl.Clone()
		if err != nil {
			return "", err
		}
		t, err = t.New("tpl").Parse(text)
		if err != nil {
			return "", err
		}
		var buf bytes.Buffer
		if err := t.Execute(&buf, data); err != nil {
			return "", err
		}
		return strings.ReplaceAll(buf.String(), "<no value>", ""), nil
	}
	return f
}

func chartMeta(dir string) (map[string]interface{}, string, error) {
	meta, err := loadYAML(filepath.Join(dir, "Chart.yaml"))
	if err != nil {
		return nil, "", err
	}
	out := map[string]interface{}{}
	for k, v := range meta { // Helm's Chart object: capitalised field names
		out[strings.ToUpper(k[:1])+k[1:]] = v
	}
	name, _ := meta["name"].(string)
	if name == "" {
		return nil, "", errors.New("Chart.yaml: no name")
	}
	return out, name, nil
}

func run() error {
	var valueFiles multiFlag
	chartDir := flag.String("chart", "", "chart directory")
	release := flag.String("name", "hbsync", "release name")
	namespace := flag.String("namespace", "default", "release namespace")
	flag.Var(&valueFiles, "values", "values file (repeatable, later wins)")
	dumpValues := flag.Bool("dump-values", false, "print the merged values as JSON instead (for schema checks)")
	flag.Parse()
	if *chartDir == "" {
		return errors.New("-chart is required")
	}
	chart, chartName, err := chartMeta(*chartDir)
	if err != nil {
		return err
	}
	values, err := loadYAML(filepath.Join(*chartDir, "values.yaml"))
	if err != nil {
		return err
	}
	for _, f := range valueFiles {
		v, err := loadYAML(f)
		if err != nil {
			return err
		}
		merge(values, v)
	}
	if *dumpValues {
		data, err := json.MarshalIndent(values, "", "  ")
		if err != nil {
			return err
		}
		_, err = fmt.Println(string(data))
		return err
	}

	files, err := filepath.Glob(filepath.Join(*chartDir, "templates", "*"))
	if err != nil {
		return err
	}
	sort.Strings(files)
	r := &renderer{}
	r.tmpl = template.New(chartName).Option("missingkey=zero")
	r.tmpl.Funcs(r.funcs())
	var names []string
	for _, f := range files {
		ext := filepath.Ext(f)
		if ext != ".yaml" && ext != ".tpl" && ext != ".yml" && ext != ".txt" {
			continue
		}
		data, err := ioutil.ReadFile(f)
		if err != nil {
			return err
		}
		name := chartName + "/templates/" + filepath.Base(f)
		if _, err := r.tmpl.New(name).Parse(string(data)); err != nil {
			return err
		}
		if !strings.HasPrefix(filepath.Base(f), "_") && ext != ".txt" {
			names = append(names, name)
		}
	}

	top := map[string]interface{}{
		"Values": values,
		"Chart":  chart,
		"Release": map[string]interface{}{
			"Name": *release, "Namespace": *namespace, "Service": "Helm",
			"IsInstall": true, "IsUpgrade": false, "Revision": 1,
		},
		"Capabilities": map[string]interface{}{
			"KubeVersion": map[string]interface{}{"Version": "v1.29.0", "Major": "1", "Minor": "29"},
		},
	}
	var out bytes.Buffer
	for _, name := range names {
		top["Template"] = map[string]interface{}{"Name": name, "BasePath": chartName + "/templates"}
		var buf bytes.Buffer
		if err := r.tmpl.ExecuteTemplate(&buf, name, top); err != nil {
			return err
		}
		text := strings.ReplaceAll(buf.String(), "<no value>", "")
		for _, doc := range strings.Split(text, "\n---") {
			doc = strings.TrimPrefix(doc, "---")
			if strings.TrimSpace(doc) == "" {
				continue
			}
			fmt.Fprintf(&out, "---\n# Source: %s\n%s\n", name, strings.Trim(doc, "\n"))
		}
	}
	_, err = os.Stdout.Write(out.Bytes())
	return err
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "hbsync-helm-render:", err)
		os.Exit(1)
	}
}
