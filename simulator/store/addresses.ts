// The store keeps no postal addresses; an order or customer has one derived from its owner's id,
// so the same customer always has the same address, in webhook payloads and the Admin API alike.

/** Deterministic small hash of a string, for values derived from ids. */
export function stableHash(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

const CITIES = [
  { city: "Ottawa", province: "Ontario", provinceCode: "ON", country: "Canada", countryCode: "CA", zip: "K2P 2L8" },
  { city: "Louisville", province: "Kentucky", provinceCode: "KY", country: "United States", countryCode: "US", zip: "40202" },
  { city: "Portland", province: "Oregon", provinceCode: "OR", country: "United States", countryCode: "US", zip: "97205" },
  { city: "Sydney", province: "New South Wales", provinceCode: "NSW", country: "Australia", countryCode: "AU", zip: "2000" },
  { city: "Austin", province: "Texas", provinceCode: "TX", country: "United States", countryCode: "US", zip: "78701" },
];

export interface Person {
  firstName: string | null;
  lastName: string | null;
  phone: string | null;
}

export interface SimAddress {
  firstName: string | null;
  lastName: string | null;
  name: string;
  phone: string | null;
  company: null;
  address1: string;
  address2: null;
  city: string;
  province: string;
  provinceCode: string;
  country: string;
  countryCode: string;
  zip: string;
  latitude: null;
  longitude: null;
}

/** The address of `seed` ("customer:{id}" or "order:{id}") for `who`. */
export function addressFor(seed: string, who: Person): SimAddress {
  const h = stableHash(seed);
  const place = CITIES[h % CITIES.length];
  return {
    firstName: who.firstName,
    lastName: who.lastName,
    name: `${who.firstName ?? ""} ${who.lastName ?? ""}`.trim(),
    phone: who.phone,
    company: null,
    address1: `${(h % 900) + 100} ${["Elm", "Maple", "Queen", "Market", "Harbour"][h % 5]} Street`,
    address2: null,
    city: place.city,
    province: place.province,
    provinceCode: place.provinceCode,
    country: place.country,
    countryCode: place.countryCode,
    zip: place.zip,
    latitude: null,
    longitude: null,
  };
}

/** An order's shipping address: the customer's (or, for a guest, the order's own); none when nothing ships. */
export function orderShippingAddress(order: { id: string; lineItems: { requiresShipping: boolean }[] }, customer: (Person & { id: string }) | null): SimAddress | null {
  if (!order.lineItems.some((line) => line.requiresShipping)) return null;
  return addressFor(customer ? `customer:${customer.id}` : `order:${order.id}`, customer ?? { firstName: null, lastName: null, phone: null });
}
