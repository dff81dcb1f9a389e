{{/* Names and labels. Everything here renders the same under Helm 3 and under
     the test renderer (helm/render): only sprig and include/tpl/toYaml/required/fail. */}}

{{- define "hbsync.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "hbsync.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else if contains (include "hbsync.name" .) .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name (include "hbsync.name" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "hbsync.labels" -}}
app.kubernetes.io/name: {{ include "hbsync.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/part-of: hbsync
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "hbsync.selectorLabels" -}}
app.kubernetes.io/name: {{ include "hbsync.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/* The name of one component's objects: (dict "root" $ "name" "ingress") */}}
{{- define "hbsync.componentName" -}}
{{- printf "%s-%s" (include "hbsync.fullname" .root) .name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "hbsync.secretName" -}}
{{- default (printf "%s-secrets" (include "hbsync.fullname" .)) .Values.secrets.existingSecret -}}
{{- end -}}

{{- define "hbsync.image" -}}
{{- $tag := default .Chart.AppVersion .Values.image.tag -}}
{{- if eq $tag "latest" -}}{{- fail "image.tag must not be latest: pin a version" -}}{{- end -}}
{{- if .Values.image.digest -}}
{{- printf "%s:%s@%s" .Values.image.repository $tag .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository $tag -}}
{{- end -}}
{{- end -}}

{{/* librdkafka properties (HBSYNC_KAFKA_PROPERTIES): security settings from
     values; the SASL password comes from the Secret through $(KAFKA_SASL_PASSWORD). */}}
{{- define "hbsync.kafkaProperties" -}}
{{- $k := .Values.kafka -}}
{{- $props := list (printf "security.protocol=%s" (lower $k.securityProtocol)) -}}
{{- if hasPrefix "SASL" $k.securityProtocol -}}
{{- $props = append $props (printf "sasl.mechanism=%s" $k.sasl.mechanism) -}}
{{- $props = append $props (printf "sasl.username=%s" (required "kafka.sasl.username is required with SASL" $k.sasl.username)) -}}
{{- $props = append $props "sasl.password=$(KAFKA_SASL_PASSWORD)" -}}
{{- end -}}
{{- if and (hasSuffix "SSL" $k.securityProtocol) $k.tls.caSecret -}}
{{- $props = append $props "ssl.ca.location=/etc/hbsync/kafka-ca/ca.crt" -}}
{{- end -}}
{{- range $key, $value := $k.extraProperties -}}
{{- $props = append $props (printf "%s=%v" $key $value) -}}
{{- end -}}
{{- join "," $props -}}
{{- end -}}

{{/* HBSYNC_REDIS_URL; the password (if any) through $(REDIS_PASSWORD). */}}
{{- define "hbsync.redisUrl" -}}
{{- $r := .Values.redis -}}
{{- $auth := "" -}}
{{- if $r.auth.enabled -}}
{{- $auth = printf "%s:$(REDIS_PASSWORD)@" (default "" $r.auth.username) -}}
{{- end -}}
{{- printf "redis://%s%s:%v/%v" $auth (required "redis.host is required" $r.host) $r.port $r.db -}}
{{- end -}}

{{- define "hbsync.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ .Values.securityContext.runAsUser }}
runAsGroup: {{ .Values.securityContext.runAsUser }}
fsGroup: {{ .Values.securityContext.runAsUser }}
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "hbsync.containerSecurityContext" -}}
runAsNonRoot: true
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
capabilities:
  drop: ["ALL"]
{{- end -}}
