// kubecheck decodes every manifest of a multi-document YAML file (helm
// template's output) strictly into the Kubernetes API type of its kind:
// an unknown field, a field of the wrong type, a document without a kind,
// or a kind it does not know is an error naming the document. It prints
// how many objects it checked (the caller checks the count). Used by
// tests/deploy (Helm.*).
//
//	kubecheck FILE
package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

func typed(apiVersion, kind string) (any, bool) {
	switch apiVersion + " " + kind {
	case "v1 ConfigMap":
		return &corev1.ConfigMap{}, true
	case "v1 Secret":
		return &corev1.Secret{}, true
	case "v1 Service":
		return &corev1.Service{}, true
	case "apps/v1 StatefulSet":
		return &appsv1.StatefulSet{}, true
	case "policy/v1 PodDisruptionBudget":
		return &policyv1.PodDisruptionBudget{}, true
	case "networking.k8s.io/v1 NetworkPolicy":
		return &networkingv1.NetworkPolicy{}, true
	case "monitoring.coreos.com/v1 ServiceMonitor":
		return &monitoringv1.ServiceMonitor{}, true
	case "monitoring.coreos.com/v1 PrometheusRule":
		return &monitoringv1.PrometheusRule{}, true
	}
	return nil, false
}

// Only comments and blank lines.
func empty(doc []byte) bool {
	for _, line := range bytes.Split(doc, []byte("\n")) {
		t := bytes.TrimSpace(line)
		if len(t) > 0 && t[0] != '#' && !bytes.Equal(t, []byte("---")) {
			return false
		}
	}
	return true
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: kubecheck FILE")
		os.Exit(2)
	}
	f, err := os.Open(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	reader := utilyaml.NewYAMLReader(bufio.NewReader(f))
	failed, checked := 0, 0
	for i := 0; ; i++ {
		doc, err := reader.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			fmt.Printf("document %d: cannot be read: %v\n", i, err)
			failed++
			break
		}
		var head struct {
			APIVersion string `json:"apiVersion"`
			Kind       string `json:"kind"`
			Metadata   struct {
				Name string `json:"name"`
			} `json:"metadata"`
		}
		if err := yaml.Unmarshal(doc, &head); err != nil {
			fmt.Printf("document %d: not YAML: %v\n", i, err)
			failed++
			continue
		}
		if head.Kind == "" {
			if empty(doc) {
				continue // comments only
			}
			fmt.Printf("document %d: no kind (a template's indentation?)\n", i)
			failed++
			continue
		}
		obj, ok := typed(head.APIVersion, head.Kind)
		if !ok {
			fmt.Printf("document %d (%s %s): a kind kubecheck does not know\n", i, head.APIVersion, head.Kind)
			failed++
			continue
		}
		if err := yaml.UnmarshalStrict(doc, obj); err != nil {
			fmt.Printf("%s %s: %v\n", head.Kind, head.Metadata.Name, err)
			failed++
			continue
		}
		checked++
	}
	fmt.Printf("kubecheck: %d object(s) checked, %d error(s)\n", checked, failed)
	if failed > 0 {
		os.Exit(1)
	}
}
