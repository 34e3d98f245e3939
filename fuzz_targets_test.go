package main

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestEveryFuzzTargetRunsInCI holds scripts/test.sh's FUZZ_TARGETS to the Fuzz functions of the tree: a
// target that CI never runs is a test nobody runs.
func TestEveryFuzzTargetRunsInCI(t *testing.T) {
	script, err := os.ReadFile("scripts/test.sh")
	if err != nil {
		t.Fatal(err)
	}
	listed := map[string]bool{}
	for _, m := range regexp.MustCompile(`"\./(\S+)/ (Fuzz\w+)"`).FindAllStringSubmatch(string(script), -1) {
		listed[m[1]+" "+m[2]] = true
	}
	fuzzFunc := regexp.MustCompile(`(?m)^func (Fuzz\w+)\(f \*testing\.F\)`)
	err = filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, "_test.go") {
			return err
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range fuzzFunc.FindAllStringSubmatch(string(src), -1) {
			key := filepath.ToSlash(filepath.Dir(path)) + " " + m[1]
			if !listed[key] {
				t.Errorf("%s (%s) is not in scripts/test.sh FUZZ_TARGETS", m[1], path)
			}
			delete(listed, key)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for k := range listed {
		t.Errorf("scripts/test.sh FUZZ_TARGETS names %s, which does not exist", k)
	}
}
