{{/* The release's name for its objects, at most 63 characters. */}}
{{- define "strait.fullname" -}}
{{- if contains "strait" .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-strait" .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* The selector: app.kubernetes.io/name is "straitd", the job a ServiceMonitor gives. */}}
{{- define "strait.selectorLabels" -}}
app.kubernetes.io/name: straitd
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "strait.labels" -}}
{{ include "strait.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* Refusals: values that would run a straitd that cannot work or is not safe. */}}
{{- define "strait.validate" -}}
{{- if not .Values.links -}}
{{- fail "links: at least one link is needed (values.yaml shows one; docs/configuration.md)" -}}
{{- end -}}
{{- if not (kindIs "slice" .Values.links) -}}
{{- fail "links: a list of links (- name: ...), as under links: in straitd's config" -}}
{{- end -}}
{{- if not (has .Values.logLevel (list "trace" "debug" "info" "warn" "error")) -}}
{{- fail "logLevel: one of trace, debug, info, warn, error" -}}
{{- end -}}
{{- range $name, $port := dict "http.port" .Values.http.port "api.port" .Values.api.port -}}
{{- if not (and (kindIs "float64" $port) (ge (int $port) 1) (le (int $port) 65535)) -}}
{{- fail (printf "%s: a port number, 1 to 65535" $name) -}}
{{- end -}}
{{- end -}}
{{- if hasKey .Values "replicas" -}}
{{- fail "replicas: not a value of this chart: each straitd must be the only writer of its mirrored target partitions (docs/adr/0002); set shards for several straitd that share the links (docs/sharding.md)" -}}
{{- end -}}
{{- $shards := .Values.shards -}}
{{- if not (and (or (kindIs "float64" $shards) (kindIs "int64" $shards) (kindIs "int" $shards)) (eq (float64 (int $shards)) (float64 $shards)) (ge (int $shards) 1) (le (int $shards) 64)) -}}
{{- fail "shards: a whole number, 1 to 64 (straitd instances sharing the links; docs/sharding.md)" -}}
{{- end -}}
{{- $spread := .Values.topologySpreadConstraints -}}
{{- if not (or (kindIs "invalid" $spread) (kindIs "slice" $spread)) -}}
{{- fail "topologySpreadConstraints: a list of TopologySpreadConstraints ([] for none), or unset for the default spread of shards over nodes" -}}
{{- end -}}
{{- if .Values.api.tls.enabled -}}
{{- if not .Values.api.tls.secretName -}}
{{- fail "api.tls.secretName: name the kubernetes.io/tls Secret of the API's certificate, or set api.tls.enabled: false" -}}
{{- end -}}
{{- if and (not .Values.api.tls.clientCASecretName) (not .Values.api.tls.tokensSecretName) -}}
{{- fail "api.tls: set clientCASecretName (client certificates) or tokensSecretName (tokens): without either every caller of the API would be its administrator" -}}
{{- end -}}
{{- end -}}
{{- end -}}
