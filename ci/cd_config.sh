#!/usr/bin/env bash
# Decide what the CD workflow can do from which secrets/variables are configured, without printing any of them.
# Writes `champion_source` (registry|train) and `azure` (creds|oidc|none) to $GITHUB_OUTPUT and explains every
# skipped step with a workflow notice. Inputs (environment, empty when not configured):
#   MLFLOW_TRACKING_URI                          remote tracking server holding models:/credit-scoring@champion
#   AZURE_CREDENTIALS                            service-principal JSON for azure/login
#   AZURE_CLIENT_ID, AZURE_TENANT_ID, AZURE_SUBSCRIPTION_ID   OIDC federated login instead
#   AZURE_RESOURCE_GROUP, AZURE_CONTAINERAPP_API, AZURE_CONTAINERAPP_UI   where to deploy (repository variables)
set -euo pipefail
OUT="${GITHUB_OUTPUT:?GITHUB_OUTPUT must name the step output file}"

notice() { echo "::notice title=$1::$2"; }

if [[ -n "${MLFLOW_TRACKING_URI:-}" ]]; then
  echo "champion_source=registry" >>"$OUT"
  notice "champion" "using models:/credit-scoring@champion from the tracking server in secret MLFLOW_TRACKING_URI"
else
  echo "champion_source=train" >>"$OUT"
  notice "champion" "secret MLFLOW_TRACKING_URI not set: training a demo champion on synthetic data for this image"
fi

azure=none
if [[ -n "${AZURE_CREDENTIALS:-}" ]]; then
  azure=creds
elif [[ -n "${AZURE_CLIENT_ID:-}" && -n "${AZURE_TENANT_ID:-}" && -n "${AZURE_SUBSCRIPTION_ID:-}" ]]; then
  azure=oidc
fi
if [[ "$azure" == none ]]; then
  notice "deploy skipped" "no Azure login configured (secret AZURE_CREDENTIALS, or AZURE_CLIENT_ID + AZURE_TENANT_ID + AZURE_SUBSCRIPTION_ID): images are built, tested and pushed, not deployed"
elif [[ -z "${AZURE_RESOURCE_GROUP:-}" || -z "${AZURE_CONTAINERAPP_API:-}" || -z "${AZURE_CONTAINERAPP_UI:-}" ]]; then
  notice "deploy skipped" "Azure login is configured but repository variables AZURE_RESOURCE_GROUP, AZURE_CONTAINERAPP_API and AZURE_CONTAINERAPP_UI are not all set"
  azure=none
fi
echo "azure=$azure" >>"$OUT"
