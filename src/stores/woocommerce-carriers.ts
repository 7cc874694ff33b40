import { ownEntry } from '../platform/own-entry';

/**
 * The carriers the two common WooCommerce tracking plugins know by slug, with the display name and
 * the tracking link template each plugin uses. Both plugins keep order meta
 * `_wc_shipment_tracking_items`, and for a carrier picked from their list they store only its slug
 * in `tracking_provider` (no name, no link): the link is built from the template at display time.
 *
 * Sources (read 2026-12):
 * - WST: WooCommerce Shipment Tracking (the official extension),
 *   `WC_Shipment_Tracking_Actions::get_providers()` in includes/class-wc-shipment-tracking.php.
 *   Templates use sprintf: `%1$s` tracking number, `%2$s` urlencoded shipping postcode, `%3$s`
 *   shipping country. get_formatted_tracking_item() matches `tracking_provider` against
 *   `sanitize_title(name)` (older versions) or `wc_clean(name)` (newer: the display name itself), and
 *   uses `custom_tracking_provider`/`custom_tracking_link` instead whenever custom_tracking_provider
 *   is set.
 * - AST: Advanced Shipment Tracking for WooCommerce (zorem, github.com/zorem/woo-advanced-shipment-tracking),
 *   `WC_Advanced_Shipment_Tracking_Install::provider_list()` of the 3.x releases (since then the
 *   list is downloaded from TrackShip into the table `woo_shippment_provider`, keyed by `ts_slug`).
 *   Templates use `%number%`, `%2$s`/`%postal_code%` and `%country_code%`.
 *   WC_Advanced_Shipment_Tracking_Actions::get_formatted_tracking_item() matches `tracking_provider`
 *   against the ts_slug or the provider name, and falls back to `custom_tracking_link`.
 *
 * Templates here are written with `{number}`, `{postcode}` and `{country}`. Only entries whose
 * template carries the tracking number are kept (a bare "track here" page tells the customer
 * nothing). Where both plugins name the same slug, the https template wins, then AST's. Display
 * names are the plugins' own, tidied where a customer would stumble ("DHL uk" → "DHL",
 * "DPD.co.uk" → "DPD", "post.at" → "Österreichische Post").
 */
export interface Carrier {
  name: string;
  /** Link template: {number}, {postcode}, {country}. */
  url: string;
  source: 'WST' | 'AST';
}

const C = (name: string, url: string, source: Carrier['source']): Carrier => ({ name, url, source });

export const WOO_CARRIERS: Readonly<Record<string, Carrier>> = {
  // United States
  ups: C('UPS', 'http://wwwapps.ups.com/WebTracking/track?track=yes&trackNums={number}', 'AST'),
  usps: C('USPS', 'https://tools.usps.com/go/TrackConfirmAction_input?qtc_tLabels1={number}', 'AST'),
  fedex: C('FedEx', 'http://www.fedex.com/Tracking?action=track&tracknumbers={number}', 'AST'),
  'fedex-sameday': C('FedEx Sameday', 'https://www.fedexsameday.com/fdx_dotracking_ua.aspx?tracknum={number}', 'AST'),
  ontrac: C('OnTrac', 'http://www.ontrac.com/trackingdetail.asp?tracking={number}', 'AST'),
  'dhl-us': C(
    'DHL US',
    'https://www.logistics.dhl/us-en/home/tracking/tracking-ecommerce.html?tracking-id={number}',
    'AST',
  ),
  'dhl-parcel': C(
    'DHL Parcel',
    'https://www.logistics.dhl/us-en/home/tracking/tracking-ecommerce.html?tracking-id={number}',
    'AST',
  ),
  lasership: C('LaserShip', 'https://www.lasership.com/track.php?track_number_input={number}', 'AST'),
  apc: C('APC', 'https://us.mytracking.net/APC/track/TrackDetails.aspx?t={number}', 'AST'),
  'ups-i-parcel': C('UPS i-parcel', 'https://tracking.i-parcel.com/?TrackingNumber={number}', 'AST'),
  tnt: C('TNT', 'https://www.tnt.com/?searchType=con&cons={number}', 'AST'),
  // Global
  dhl: C('DHL', 'http://www.dhl.com/content/g0/en/express/tracking.shtml?brand=DHL&AWB={number}', 'WST'),
  'dhl-express': C('DHL Express', 'http://www.dhl.it/it/express/ricerca.html?AWB={number}&brand=DHL', 'AST'),
  'dhl-freight': C(
    'DHL Freight',
    'https://www.logistics.dhl/global-en/home/tracking/tracking-freight.html?tracking-id={number}',
    'AST',
  ),
  hermes: C('Hermes', 'https://new.myhermes.co.uk/track.html#/parcel/{number}/details', 'AST'),
  // United Kingdom and Ireland
  'royal-mail': C('Royal Mail', 'https://www.royalmail.com/track-your-item/?trackNumber={number}', 'AST'),
  parcelforce: C('ParcelForce', 'http://www.parcelforce.com/portal/pw/track?trackNumber={number}', 'AST'),
  'dpd-co-uk': C(
    'DPD',
    'http://www.dpd.co.uk/tracking/trackingSearch.do?search.searchType=0&search.parcelNumber={number}',
    'AST',
  ),
  interlink: C(
    'InterLink',
    'http://www.interlinkexpress.com/apps/tracking/?reference={number}&postcode={postcode}#results',
    'AST',
  ),
  'dhl-uk': C('DHL', 'http://www.dhl.com/content/g0/en/express/tracking.shtml?brand=DHL&AWB={number}', 'AST'),
  'dhl-parcel-uk': C('DHL Parcel UK', 'https://track.dhlparcel.co.uk/?con={number}', 'WST'),
  'tnt-uk': C('TNT', 'https://www.tnt.com/?searchType=con&cons={number}', 'AST'),
  arrowxl: C('ArrowXL', 'https://askaxl.co.uk/tracking?upi={number}', 'AST'),
  'an-post': C('An Post', 'https://www.anpost.com/Post-Parcels/Track/History?item={number}', 'AST'),
  'dpd-ie': C(
    'DPD Ireland',
    'http://www2.dpd.ie/Services/QuickTrack/tabid/222/ConsignmentID/{number}/Default.aspx',
    'AST',
  ),
  // France
  colissimo: C('Colissimo', 'https://www.laposte.fr/outils/suivre-vos-envois?code={number}', 'AST'),
  chronopost: C('Chronopost', 'https://www.chronopost.fr/fr/chrono_suivi_search?listeNumerosLT={number}', 'AST'),
  'mondial-relay': C('Mondial Relay', 'https://www.mondialrelay.fr/suivi-de-colis?numeroExpedition={number}', 'AST'),
  // Germany, Austria, Switzerland
  'deutsche-post-dhl': C(
    'Deutsche Post DHL',
    'http://nolp.dhl.de/nextt-online-public/set_identcodes.do?lang=de&idc={number}',
    'AST',
  ),
  'dhl-intraship-de': C(
    'DHL',
    'http://nolp.dhl.de/nextt-online-public/set_identcodes.do?lang=de&idc={number}&rfn=&extendedSearch=true',
    'AST',
  ),
  'hermes-de': C('Hermes', 'https://www.myhermes.de/empfangen/sendungsverfolgung/?suche={number}', 'AST'),
  'dpd-de': C('DPD', 'https://tracking.dpd.de/parcelstatus?query={number}&locale=en_DE', 'AST'),
  'ups-germany': C(
    'UPS',
    'http://wwwapps.ups.com/WebTracking/processInputRequest?sort_by=status&tracknums_displayed=1&TypeOfInquiryNumber=T&loc=de_DE&InquiryNumber1={number}',
    'AST',
  ),
  'post-at': C('Österreichische Post', 'https://www.post.at/sv/sendungsdetails?snr={number}', 'WST'),
  'dhl-at': C('DHL', 'http://www.dhl.at/content/at/de/express/sendungsverfolgung.html?brand=DHL&AWB={number}', 'AST'),
  'dpd-at': C('DPD', 'https://tracking.dpd.de/parcelstatus?locale=de_AT&query={number}', 'AST'),
  'swiss-post': C(
    'Swiss Post',
    'https://service.post.ch/EasyTrack/submitParcelData.do?p_language=en&formattedParcelCodes={number}',
    'AST',
  ),
  // Benelux
  postnl: C(
    'PostNL',
    'https://mijnpakket.postnl.nl/Claim?Barcode={number}&Postalcode={postcode}&Foreign=False&ShowAnonymousLayover=False&CustomerServiceClaim=False',
    'AST',
  ),
  'dpd-nl': C('DPD', 'http://track.dpdnl.nl/?parcelnumber={number}', 'AST'),
  'dhlparcel-nl': C(
    'DHL Parcel',
    'https://www.logistics.dhl/nl-en/home/tracking/tracking-parcel.html?tracking-id={number}',
    'AST',
  ),
  'ups-netherlands': C(
    'UPS',
    'http://wwwapps.ups.com/WebTracking/processInputRequest?sort_by=status&tracknums_displayed=1&TypeOfInquiryNumber=T&loc=nl_NL&InquiryNumber1={number}',
    'WST',
  ),
  'belgium-post': C('bpost', 'https://track.bpost.be/btr/web/#/search?itemCode={number}', 'AST'),
  bpost: C('bpost', 'https://track.bpost.be/btr/web/#/search?itemCode={number}', 'WST'),
  // Italy, Spain, Portugal
  'gls-italy': C(
    'GLS Italy',
    'https://www.gls-italy.com/?option=com_gls&view=track_e_trace&mode=search&numero_spedizione={number}&tipo_codice=nazionale',
    'AST',
  ),
  'brt-bartolini': C(
    'BRT (Bartolini)',
    'http://as777.brt.it/vas/sped_det_show.hsm?referer=sped_numspe_par.htm&Nspediz={number}',
    'WST',
  ),
  // Nordics
  'postnord-sverige-ab': C(
    'PostNord',
    'http://www.postnord.se/sv/verktyg/sok/Sidor/spara-brev-paket-och-pall.aspx?search={number}',
    'AST',
  ),
  'denmark-post': C(
    'PostNord Denmark',
    'https://www.postnord.dk/en/track-and-trace#dynamicloading=true&shipmentid={number}',
    'AST',
  ),
  'dhl-se': C('DHL', 'http://www.dhl.se/content/se/sv/express/godssoekning.shtml?brand=DHL&AWB={number}', 'AST'),
  'ups-se': C('UPS', 'http://wwwapps.ups.com/WebTracking/track?track=yes&loc=sv_SE&trackNums={number}', 'AST'),
  'bring-se': C('Bring', 'http://tracking.bring.se/tracking.html?q={number}', 'WST'),
  itella: C(
    'Posti (Itella)',
    'http://www.posti.fi/itemtracking/posti/search_by_shipment_id?lang=en&ShipmentId={number}',
    'WST',
  ),
  // Central and Eastern Europe
  inpost: C('InPost', 'https://inpost.pl/sledzenie-przesylek?number={number}', 'WST'),
  'dpd-pl': C('DPD Polska', 'https://tracktrace.dpd.com.pl/parcelDetails?p1={number}', 'WST'),
  'poczta-polska': C('Poczta Polska', 'https://emonitoring.poczta-polska.pl/?numer={number}', 'WST'),
  'ceska-posta': C(
    'Česká pošta',
    'https://www.postaonline.cz/trackandtrace/-/zasilka/cislo?parcelNumbers={number}',
    'WST',
  ),
  'ppl-cz': C('PPL', 'http://www.ppl.cz/main2.aspx?cls=Package&idSearch={number}', 'WST'),
  'dhl-cz': C('DHL', 'http://www.dhl.cz/cs/express/sledovani_zasilek.html?AWB={number}', 'AST'),
  'dpd-cz': C('DPD', 'https://tracking.dpd.de/parcelstatus?locale=cs_CZ&query={number}', 'AST'),
  'dpd-romania': C('DPD Romania', 'https://tracking.dpd.de/parcelstatus?query={number}&locale=ro_RO', 'AST'),
  'fan-courier': C('Fan Courier', 'https://www.fancourier.ro/awb-tracking/?xawb={number}', 'WST'),
  'croatia-post': C('Hrvatska pošta', 'https://www.posta.hr/tracktrace.aspx?broj={number}', 'AST'),
  'cyprus-post': C('Cyprus Post', 'https://www.cypruspost.post/en/track-n-trace-results?code={number}', 'AST'),
  // Americas
  'canada-post': C(
    'Canada Post',
    'http://www.canadapost.ca/cpotools/apps/track/personal/findByTrackNumber?trackingNumber={number}',
    'AST',
  ),
  'brazil-correios': C(
    'Correios',
    'http://websro.correios.com.br/sro_bin/txect01$.QueryList?P_LINGUA=001&P_TIPO=001&P_COD_UNI={number}',
    'AST',
  ),
  correios: C(
    'Correios',
    'http://websro.correios.com.br/sro_bin/txect01$.QueryList?P_LINGUA=001&P_TIPO=001&P_COD_UNI={number}',
    'WST',
  ),
  'correos-chile': C('Correos Chile', 'https://seguimientoenvio.correos.cl/home/index/{number}', 'AST'),
  // Asia-Pacific
  'australia-post': C('Australia Post', 'http://auspost.com.au/track/track.html?id={number}', 'AST'),
  'australia-ems': C('Australia Post', 'https://auspost.com.au/mypost/track/#/details/{number}', 'AST'),
  'fastway-au': C('Fastway', 'http://www.fastway.com.au/courier-services/track-your-parcel?l={number}', 'AST'),
  'fastway-couriers': C('Fastway', 'http://www.fastway.com.au/courier-services/track-your-parcel?l={number}', 'WST'),
  startrack: C('StarTrack', 'https://sttrackandtrace.startrack.com.au/{number}', 'AST'),
  couriersplease: C('CouriersPlease', 'https://www.couriersplease.com.au/tools-track/no/{number}', 'AST'),
  sendle: C('Sendle', 'https://track.sendle.com/tracking?ref={number}', 'AST'),
  'tnt-australia': C(
    'TNT',
    'https://www.tnt.com/express/en_au/site/shipping-tools/tracking.html?respCountry=au&respLang=en&cons={number}',
    'AST',
  ),
  'nz-post': C('NZ Post', 'http://www.nzpost.co.nz/tools/tracking?trackid={number}', 'WST'),
  'courier-post': C('CourierPost', 'http://trackandtrace.courierpost.co.nz/Search/{number}', 'WST'),
  'fastway-nz': C('Fastway', 'https://www.fastway.co.nz/tools/track?l={number}', 'AST'),
  'jp-post': C(
    'Japan Post',
    'https://trackings.post.japanpost.jp/services/srv/sequenceNoSearch/?requestNo={number}&count=100&sequenceNoSearch.x=94&sequenceNoSearch.y=10&locale=en',
    'AST',
  ),
  'korea-post': C(
    'Korea Post',
    'https://service.epost.go.kr/trace.RetrieveEmsRigiTraceList.comm?ems_gubun=E&sid1=&POST_CODE={number}',
    'AST',
  ),
  'china-post': C('China Post', 'http://parcelsapp.com/en/tracking/{number}', 'AST'),
  's-f-express': C(
    'S.F. Express',
    'http://www.sf-express.com/cn/en/dynamic_function/waybill/#search/bill-number/{number}',
    'AST',
  ),
  'ninja-van': C('Ninja Van', 'https://www.ninjavan.co/en-sg/?tracking_id={number}', 'AST'),
  delhivery: C('Delhivery', 'https://www.delhivery.com/track/package/{number}', 'AST'),
  dtdc: C(
    'DTDC',
    'http://www.dtdc.in/tracking/tracking_results.asp?Ttype=awb_no&strCnno={number}&TrkType2=awb_no',
    'AST',
  ),
  'israel-post': C('Israel Post', 'https://mypost.israelpost.co.il/itemtrace?itemcode={number}', 'AST'),
  // Africa
  sapo: C('South African Post Office', 'http://sms.postoffice.co.za/TrackingParcels/Parcel.aspx?id={number}', 'WST'),
};

/**
 * WordPress's sanitize_title() as the plugins apply it to provider names ("Royal Mail" →
 * "royal-mail", "DPD.co.uk" → "dpd-co-uk", "Česká pošta" → "ceska-posta").
 */
export function sanitizeTitle(value: string): string {
  return value
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/\./g, '-')
    .replace(/[^a-z0-9 _-]/g, '')
    .replace(/\s+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-|-$/g, '');
}

/** The carrier a plugin's `tracking_provider` names: its slug, or (newer WST) its display name. */
export function findCarrier(provider: string): (Carrier & { slug: string }) | null {
  const slug = sanitizeTitle(provider);
  const carrier = ownEntry(WOO_CARRIERS, slug);
  return carrier ? { ...carrier, slug } : null;
}

/**
 * The carrier's link for one parcel, as the plugin would build it, or '' when it cannot be built
 * into an http(s) URL. The number is URL-encoded (it comes from order meta, which anyone with
 * write access to the store can set); the postcode is normalised as wc_normalize_postcode() does.
 */
export function carrierLink(
  carrier: Carrier,
  parcel: { number: string; postcode?: string | null; country?: string | null },
): string {
  const postcode = (parcel.postcode ?? '').toUpperCase().replace(/[\s-]/g, '');
  const link = carrier.url
    .replace('{number}', encodeURIComponent(parcel.number))
    .replace('{postcode}', encodeURIComponent(postcode))
    .replace('{country}', encodeURIComponent(parcel.country ?? ''));
  return safeHttpUrl(link);
}

/** The URL if it is a plain http(s) link without credentials, else ''. */
export function safeHttpUrl(value: string): string {
  if (value.length > 1000 || /[\s<>"]/.test(value)) return '';
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return '';
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.username || url.password || !url.hostname)
    return '';
  return value;
}
