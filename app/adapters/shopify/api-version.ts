// The one Admin API version Tierline speaks. Mirrored in shopify.app.toml
// ([webhooks] api_version) and the extension TOMLs; a test keeps them equal.
// 2026-01 is a supported version today; its schema is validated against the
// closest published SDL in ../shared/reference (see docs/decisions).
import { ApiVersion } from "@shopify/shopify-api";

export const API_VERSION = ApiVersion.January26;

// The checkout and customer-account UI extensions' API version (extensions/*/shopify.extension.toml,
// @shopify/ui-extensions 2026.7.x). It moves on its own calendar: UI extensions below 2026-01 stop
// deploying after 2026-10-01. tests/extension-bundles.test.ts keeps the TOMLs on it.
export const UI_EXTENSIONS_API_VERSION = "2026-07";
