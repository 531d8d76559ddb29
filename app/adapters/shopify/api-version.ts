// The one Admin API version Tierline speaks. Mirrored in shopify.app.toml
// ([webhooks] api_version) and the extension TOMLs; a test keeps them equal.
// 2026-01 is a supported version today; its schema is validated against the
// closest published SDL in ../shared/reference (see docs/decisions).
import { ApiVersion } from "@shopify/shopify-api";

export const API_VERSION = ApiVersion.January26;
