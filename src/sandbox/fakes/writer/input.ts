import { z } from 'zod';
import type { PromptData, PromptOrder } from '../../../drafting/prompt-data';
import { SHIPMENT_STATUSES } from '../../../stores/order';

/**
 * What the fake model reads: the last user message, which must be the PromptData document
 * (src/drafting/prompt-data.ts). The schema checks it at the door so contract drift fails loudly
 * (the fake answers 400 fake_contract_violation); `satisfies` keeps it in step with the type.
 *
 * The document before issue 17 (one `order`, no policies or facts) is still read, as a PromptData
 * with that one order and no policies, so callers that have not moved yet keep working.
 */
const tracking = z.object({ company: z.string(), number: z.string(), url: z.string() });
const items = z.array(z.object({ title: z.string(), quantity: z.number() }));
const merchant = z.object({
  shopName: z.string(),
  tone: z.enum(['friendly', 'formal', 'concise']),
  signOffName: z.string(),
  fallbackLanguage: z.string(),
});
const customer = z.object({ name: z.string().nullable(), message: z.string() });

const promptOrder = z.object({
  number: z.string(),
  createdAt: z.string(),
  newest: z.boolean(),
  financialStatus: z.string(),
  fulfillmentStatus: z.string(),
  tracking: z.array(tracking),
  shipments: z.array(
    z.object({
      status: z.enum(SHIPMENT_STATUSES),
      trackingNumber: z.string().nullable(),
      shippedAt: z.string().nullable(),
      deliveredAt: z.string().nullable(),
      estimatedDeliveryAt: z.string().nullable(),
    }),
  ),
  items,
  shippingCity: z.string().nullable(),
  shippingCountry: z.string().nullable(),
  facts: z.object({
    daysSinceShipped: z.number().nullable(),
    stalled: z.boolean(),
    lastReturnDay: z.string().nullable(),
    returnWindowOpen: z.boolean().nullable(),
    canChangeAddress: z.boolean(),
    canCancel: z.boolean(),
  }),
});

export const promptDataSchema = z.object({
  customer,
  orderLookup: z.enum([
    'matched',
    'recent',
    'not_found',
    'email_mismatch',
    'no_reference',
    'customer_data_unavailable',
  ]),
  orders: z.array(promptOrder),
  unmatchedNumbers: z.array(z.string()),
  policies: z.object({
    returnWindowDays: z.number().optional(),
    returns: z.string().optional(),
    shipping: z.string().optional(),
    orderChanges: z.string().optional(),
    damagedItems: z.string().optional(),
    faq: z.string().optional(),
  }),
  merchant,
  today: z.string(),
}) satisfies z.ZodType<PromptData>;

const legacyOrder = z.object({
  number: z.string(),
  createdAt: z.string(),
  financialStatus: z.string(),
  fulfillmentStatus: z.string(),
  tracking: z.array(tracking),
  items,
  shippingCity: z.string().nullable(),
  shippingCountry: z.string().nullable(),
});

/** The single-order document the pipeline sent before PromptData. */
export const legacyInputSchema = z.object({
  customer,
  orderLookup: z.enum(['matched', 'not_found', 'email_mismatch', 'no_reference', 'customer_data_unavailable']),
  order: legacyOrder.nullable(),
  merchant,
});
export type LegacyInput = z.infer<typeof legacyInputSchema>;
export type LegacyOrder = z.infer<typeof legacyOrder>;

/** PromptData, or the old document (told apart by its `order` field) read as PromptData. */
export const writerInputSchema = z.custom<unknown>().transform((value, ctx): PromptData => {
  const legacy = typeof value === 'object' && value !== null && 'order' in value && !('orders' in value);
  const parsed = legacy ? legacyInputSchema.transform(fromLegacy).safeParse(value) : promptDataSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  for (const issue of parsed.error.issues)
    ctx.addIssue({ ...issue, code: 'custom', message: issue.message, path: issue.path });
  return z.NEVER;
});

const NOT_YET_SENT = new Set(['unfulfilled', 'pending', 'processing', 'on_hold', 'ready_to_ship', '']);

/** The old document as PromptData: its one order, no shipments, no policies, facts from the status alone. */
export function fromLegacy(input: LegacyInput): PromptData {
  const orders: PromptOrder[] = input.order
    ? [
        {
          ...input.order,
          newest: true,
          shipments: [],
          facts: {
            daysSinceShipped: null,
            stalled: false,
            lastReturnDay: null,
            returnWindowOpen: null,
            canChangeAddress: NOT_YET_SENT.has(input.order.fulfillmentStatus.toLowerCase()),
            canCancel: NOT_YET_SENT.has(input.order.fulfillmentStatus.toLowerCase()),
          },
        },
      ]
    : [];
  return {
    customer: input.customer,
    orderLookup: input.orderLookup,
    orders,
    unmatchedNumbers: [],
    policies: {},
    merchant: input.merchant,
    today: '',
  };
}

/** Either document, as PromptData (a plain object literal in tests may be either). */
export function asPromptData(input: PromptData | LegacyInput): PromptData {
  return 'orders' in input ? input : fromLegacy(input);
}
