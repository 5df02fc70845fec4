#!/usr/bin/env bash
# Azure Container Apps for the model API and the Streamlit client (needs the `az` CLI, logged in).
#
#   deploy/azure/containerapps.sh create   # once, by a person: resource group, environment, both apps
#   deploy/azure/containerapps.sh update   # every release, by cd.yml: new images, then wait for ready revisions
#
# Exposure: the API gets *internal* ingress (reachable only from apps of the same Container Apps environment,
# i.e. the Streamlit client; no public address), the client gets external ingress behind the platform's built-in
# authentication (Microsoft Entra ID sign-in; unauthenticated visitors are redirected to the login page).
# Both images run as the non-root user 10001.
#
# Settings come from the environment (no secret is stored in this repository):
#   AZURE_RESOURCE_GROUP, AZURE_CONTAINERAPP_API, AZURE_CONTAINERAPP_UI   names of the group and of the two apps
#   API_IMAGE, UI_IMAGE                    e.g. ghcr.io/OWNER/REPO/credit-scoring-api:TAG and .../credit-scoring-ui:TAG
# create only:
#   AZURE_LOCATION (default westeurope), AZURE_CONTAINERAPP_ENV (default credit-scoring-env)
#   GHCR_USERNAME, GHCR_PULL_TOKEN         a GitHub user + token with read:packages (not needed for public packages)
#   CREDIT_SCORING_PREDICTION_LOG          SQLAlchemy URL of the prediction log (e.g. postgresql+psycopg://...)
#   MLFLOW_TRACKING_URI                    tracking server the Streamlit client reads model metadata from
#   UI_AUTH_CLIENT_ID, UI_AUTH_CLIENT_SECRET, UI_AUTH_TENANT_ID   Entra ID app registration for the client's sign-in
#
# AZ_DRY_RUN=1 prints every az command to stderr (one shell-quoted line each, prefixed `az:`) instead of running
# it, and answers queries with placeholders: tests/deploy/test_exposure.py runs the script so.
set -euo pipefail

: "${AZURE_RESOURCE_GROUP:?set AZURE_RESOURCE_GROUP}"
: "${AZURE_CONTAINERAPP_API:?set AZURE_CONTAINERAPP_API}"
: "${AZURE_CONTAINERAPP_UI:?set AZURE_CONTAINERAPP_UI}"
: "${API_IMAGE:?set API_IMAGE}"
: "${UI_IMAGE:?set UI_IMAGE}"
RG="$AZURE_RESOURCE_GROUP"

az() {
  if [[ "${AZ_DRY_RUN:-0}" == 1 ]]; then
    { printf 'az:'; printf ' %q' "$@"; printf '\n'; } >&2
    if [[ " $* " == *" --query "* ]]; then echo "dry-run-$1-$2"; fi
    return 0
  fi
  command az "$@"
}

api_fqdn() {  # internal ingress: <app>.internal.<environment domain>, resolvable inside the environment only
  az containerapp show -n "$AZURE_CONTAINERAPP_API" -g "$RG" --query properties.configuration.ingress.fqdn -o tsv
}

wait_until_ready() {  # app: its latest revision is ready (probes pass); the API cannot be reached from outside
  local deadline=$((SECONDS + 600)) latest ready
  while true; do
    latest="$(az containerapp show -n "$1" -g "$RG" --query properties.latestRevisionName -o tsv)"
    ready="$(az containerapp show -n "$1" -g "$RG" --query properties.latestReadyRevisionName -o tsv)"
    if [[ "$latest" == "$ready" ]]; then echo "$1: revision $latest is ready"; return 0; fi
    if ((SECONDS > deadline)); then echo "$1: revision $latest not ready after 600 s" >&2; return 1; fi
    sleep 10
  done
}

create_apps() {
  local env_name="$1" registry=()
  if [[ -n "${GHCR_PULL_TOKEN:-}" ]]; then
    registry=(--registry-server ghcr.io --registry-username "${GHCR_USERNAME:?set GHCR_USERNAME}"
      --registry-password "$GHCR_PULL_TOKEN")
  fi
  # One uvicorn worker per replica (~600 MB RSS); scale out with replicas, not workers.
  az containerapp create -n "$AZURE_CONTAINERAPP_API" -g "$RG" --environment "$env_name" \
    --image "$API_IMAGE" "${registry[@]}" --target-port 8080 --ingress internal \
    --cpu 1.0 --memory 2.0Gi --min-replicas 1 --max-replicas 3 \
    --secrets "prediction-log=${CREDIT_SCORING_PREDICTION_LOG:?set CREDIT_SCORING_PREDICTION_LOG}" \
    --env-vars MLFLOW_MODELS_WORKERS=1 CREDIT_SCORING_PREDICTION_LOG=secretref:prediction-log -o none
  az containerapp create -n "$AZURE_CONTAINERAPP_UI" -g "$RG" --environment "$env_name" \
    --image "$UI_IMAGE" "${registry[@]}" --target-port 8501 --ingress external \
    --cpu 0.5 --memory 1.0Gi --min-replicas 1 --max-replicas 2 \
    --secrets "mlflow-tracking-uri=${MLFLOW_TRACKING_URI:?set MLFLOW_TRACKING_URI}" \
      "ui-auth-secret=${UI_AUTH_CLIENT_SECRET:?set UI_AUTH_CLIENT_SECRET}" \
    --env-vars "CREDIT_SCORING_API_URL=https://$(api_fqdn)" MLFLOW_TRACKING_URI=secretref:mlflow-tracking-uri -o none
}

require_sign_in() {  # the platform's authentication in front of the client: no anonymous page view
  az containerapp auth microsoft update -n "$AZURE_CONTAINERAPP_UI" -g "$RG" \
    --client-id "${UI_AUTH_CLIENT_ID:?set UI_AUTH_CLIENT_ID}" --client-secret-name ui-auth-secret \
    --issuer "https://login.microsoftonline.com/${UI_AUTH_TENANT_ID:?set UI_AUTH_TENANT_ID}/v2.0" --yes -o none
  az containerapp auth update -n "$AZURE_CONTAINERAPP_UI" -g "$RG" --enabled true \
    --unauthenticated-client-action RedirectToLoginPage --redirect-provider azureactivedirectory \
    --require-https true -o none
}

create() {
  local location="${AZURE_LOCATION:-westeurope}" env_name="${AZURE_CONTAINERAPP_ENV:-credit-scoring-env}"
  # Every setting before the first az call: never a half-made deployment, never a client app without sign-in.
  : "${CREDIT_SCORING_PREDICTION_LOG:?set CREDIT_SCORING_PREDICTION_LOG}" "${MLFLOW_TRACKING_URI:?set MLFLOW_TRACKING_URI}"
  : "${UI_AUTH_CLIENT_ID:?set UI_AUTH_CLIENT_ID}" "${UI_AUTH_CLIENT_SECRET:?set UI_AUTH_CLIENT_SECRET}"
  : "${UI_AUTH_TENANT_ID:?set UI_AUTH_TENANT_ID}"
  az group create -n "$RG" -l "$location" -o none
  az containerapp env create -n "$env_name" -g "$RG" -l "$location" -o none
  create_apps "$env_name"
  require_sign_in
  wait_until_ready "$AZURE_CONTAINERAPP_API"
  wait_until_ready "$AZURE_CONTAINERAPP_UI"
}

update() {
  az containerapp update -n "$AZURE_CONTAINERAPP_API" -g "$RG" --image "$API_IMAGE" -o none
  az containerapp update -n "$AZURE_CONTAINERAPP_UI" -g "$RG" --image "$UI_IMAGE" \
    --set-env-vars "CREDIT_SCORING_API_URL=https://$(api_fqdn)" -o none
  wait_until_ready "$AZURE_CONTAINERAPP_API"
  wait_until_ready "$AZURE_CONTAINERAPP_UI"
}

case "${1:-}" in
  create) create ;;
  update) update ;;
  *) echo "usage: $0 create|update" >&2; exit 2 ;;
esac
