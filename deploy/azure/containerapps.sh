#!/usr/bin/env bash
# Azure Container Apps for the model API and the Streamlit client (needs the `az` CLI, logged in).
#
#   deploy/azure/containerapps.sh create   # once, by a person: resource group, environment, both apps
#   deploy/azure/containerapps.sh update   # every release, by cd.yml: new images, then a /ping check
#
# Settings come from the environment (no secret is stored in this repository):
#   AZURE_RESOURCE_GROUP, AZURE_CONTAINERAPP_API, AZURE_CONTAINERAPP_UI   names of the group and of the two apps
#   API_IMAGE, UI_IMAGE                    e.g. ghcr.io/OWNER/REPO/credit-scoring-api:TAG and .../credit-scoring-ui:TAG
# create only:
#   AZURE_LOCATION (default westeurope), AZURE_CONTAINERAPP_ENV (default credit-scoring-env)
#   GHCR_USERNAME, GHCR_PULL_TOKEN         a GitHub user + token with read:packages (not needed for public packages)
#   CREDIT_SCORING_PREDICTION_LOG          SQLAlchemy URL of the prediction log (e.g. postgresql+psycopg://...)
#   MLFLOW_TRACKING_URI                    tracking server the Streamlit client reads model metadata from
set -euo pipefail

: "${AZURE_RESOURCE_GROUP:?set AZURE_RESOURCE_GROUP}"
: "${AZURE_CONTAINERAPP_API:?set AZURE_CONTAINERAPP_API}"
: "${AZURE_CONTAINERAPP_UI:?set AZURE_CONTAINERAPP_UI}"
: "${API_IMAGE:?set API_IMAGE}"
: "${UI_IMAGE:?set UI_IMAGE}"

api_fqdn() {
  az containerapp show -n "$AZURE_CONTAINERAPP_API" -g "$AZURE_RESOURCE_GROUP" \
    --query properties.configuration.ingress.fqdn -o tsv
}

wait_for_ping() {  # url: the new revision answers once the model is loaded (7-20 s, plus the image pull)
  local deadline=$((SECONDS + 600))
  until curl -fsS "$1/ping" >/dev/null 2>&1; do
    if ((SECONDS > deadline)); then echo "no answer from $1/ping after 600 s" >&2; return 1; fi
    sleep 10
  done
  echo "$1/ping answers"
}

create() {
  local location="${AZURE_LOCATION:-westeurope}" env_name="${AZURE_CONTAINERAPP_ENV:-credit-scoring-env}"
  local registry=()
  if [[ -n "${GHCR_PULL_TOKEN:-}" ]]; then
    registry=(--registry-server ghcr.io --registry-username "${GHCR_USERNAME:?set GHCR_USERNAME}"
      --registry-password "$GHCR_PULL_TOKEN")
  fi
  az group create -n "$AZURE_RESOURCE_GROUP" -l "$location" -o none
  az containerapp env create -n "$env_name" -g "$AZURE_RESOURCE_GROUP" -l "$location" -o none
  # One uvicorn worker per replica (~600 MB RSS); scale out with replicas, not workers.
  az containerapp create -n "$AZURE_CONTAINERAPP_API" -g "$AZURE_RESOURCE_GROUP" --environment "$env_name" \
    --image "$API_IMAGE" "${registry[@]}" --target-port 8080 --ingress external \
    --cpu 1.0 --memory 2.0Gi --min-replicas 1 --max-replicas 3 \
    --secrets "prediction-log=${CREDIT_SCORING_PREDICTION_LOG:?set CREDIT_SCORING_PREDICTION_LOG}" \
    --env-vars MLFLOW_MODELS_WORKERS=1 CREDIT_SCORING_PREDICTION_LOG=secretref:prediction-log -o none
  az containerapp create -n "$AZURE_CONTAINERAPP_UI" -g "$AZURE_RESOURCE_GROUP" --environment "$env_name" \
    --image "$UI_IMAGE" "${registry[@]}" --target-port 8501 --ingress external \
    --cpu 0.5 --memory 1.0Gi --min-replicas 1 --max-replicas 2 \
    --secrets "mlflow-tracking-uri=${MLFLOW_TRACKING_URI:?set MLFLOW_TRACKING_URI}" \
    --env-vars "CREDIT_SCORING_API_URL=https://$(api_fqdn)" MLFLOW_TRACKING_URI=secretref:mlflow-tracking-uri -o none
  wait_for_ping "https://$(api_fqdn)"
}

update() {
  az containerapp update -n "$AZURE_CONTAINERAPP_API" -g "$AZURE_RESOURCE_GROUP" --image "$API_IMAGE" -o none
  local url
  url="https://$(api_fqdn)"
  az containerapp update -n "$AZURE_CONTAINERAPP_UI" -g "$AZURE_RESOURCE_GROUP" --image "$UI_IMAGE" \
    --set-env-vars "CREDIT_SCORING_API_URL=$url" -o none
  wait_for_ping "$url"
}

case "${1:-}" in
  create) create ;;
  update) update ;;
  *) echo "usage: $0 create|update" >&2; exit 2 ;;
esac
