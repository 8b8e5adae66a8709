{{/* Chart name, truncated to the 63 characters a label value allows. */}}
{{- define "rwenas.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Full name: <release>-rwenas unless the release name already contains the chart name. */}}
{{- define "rwenas.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 52 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 52 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 52 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "rwenas.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "rwenas.selectorLabels" -}}
app.kubernetes.io/name: {{ include "rwenas.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: operator
{{- end -}}

{{- define "rwenas.labels" -}}
helm.sh/chart: {{ include "rwenas.chart" . }}
{{ include "rwenas.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: rwenas
{{- end -}}

{{- define "rwenas.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "rwenas.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* repository:tag, the tag defaulting to the chart's appVersion. */}}
{{- define "rwenas.image" -}}
{{- printf "%s:%s" .repository (default .appVersion .tag) -}}
{{- end -}}

{{/* The watched namespaces as a JSON list: operator.watchNamespaces plus operator.watchNamespace; [] = all. */}}
{{- define "rwenas.watchNamespaces" -}}
{{- $all := .Values.operator.watchNamespaces | default list -}}
{{- with .Values.operator.watchNamespace }}{{ $all = prepend $all . }}{{ end -}}
{{- $all | uniq | toJson -}}
{{- end -}}
