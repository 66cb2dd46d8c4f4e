// Language and local habits: Vietnamese by default, English switchable; dates dd/mm/yyyy and
// numbers with Vietnamese separators in both languages (the users read Vietnamese documents).

import { EDIT_STRINGS } from './i18n-edit.js';
import { FIELD_STRINGS } from './i18n-field.js';
import { TRACK_STRINGS } from './i18n-track.js';
import { PACKAGE_STRINGS } from './i18n-packages.js';
import { UNIT_STRINGS } from './i18n-units.js';

const STRINGS = {
  vi: {
    appTitle: 'ANTQ Atlas — Lào Cai',
    appSubtitle: 'Bản đồ an ninh trật tự cơ sở',
    signInTitle: 'Đăng nhập',
    username: 'Tên đăng nhập',
    password: 'Mật khẩu',
    signIn: 'Đăng nhập',
    signOut: 'Đăng xuất',
    signInFailed: 'Sai tên đăng nhập hoặc mật khẩu.',
    signInThrottled: 'Quá nhiều lần thử. Vui lòng thử lại sau.',
    signedInAs: 'Người dùng',
    role: 'Vai trò',
    language: 'English',
    languageLabel: 'Chuyển sang tiếng Anh',
    menu: 'Bảng điều khiển',
    print: 'In bản đồ',
    layers: 'Lớp bản đồ',
    filters: 'Bộ lọc',
    legend: 'Chú giải',
    details: 'Thông tin chi tiết',
    report: 'Số liệu toàn tỉnh',
    showReport: 'Xem số liệu',
    dateRange: 'Khoảng thời gian',
    from: 'Từ tháng',
    to: 'Đến tháng',
    asOf: 'Ranh giới tại ngày',
    asOfHint: 'để trống: hôm nay',
    district: 'Huyện, thị xã, thành phố',
    commune: 'Xã, phường, thị trấn',
    all: 'Tất cả',
    categories: 'Loại',
    colourBy: 'Tô màu theo',
    reset: 'Xóa bộ lọc',
    export: 'Xuất',
    features: 'đối tượng',
    loading: 'Đang tải…',
    noSelection: 'Chọn một đối tượng trên bản đồ để xem thông tin.',
    yes: 'Có',
    no: 'Không',
    none: '(không có)',
    close: 'Đóng',
    zoomTo: 'Phóng tới',
    printedBy: 'Người in',
    printedAt: 'Ngày in',
    filtersApplied: 'Bộ lọc',
    noFilters: 'không có',
    error: 'Lỗi',
    description: 'Mô tả',
    others: 'Khác',
    notOffered: 'Không có lớp nào được phép xem.',
    profileTitle: 'Điểm trọng điểm của xã',
    profileNote: 'Đếm từ lớp Điểm trọng điểm, theo khoảng thời gian đang lọc.',
    byMonth: 'Theo tháng',
    byCategory: 'Theo loại',
    search: 'Tìm kiếm',
    searchPlaceholder: 'Tìm xã, thôn, đồn, mốc, mã điểm…',
    searchNone: 'Không tìm thấy',
    searchResults: 'kết quả',
    coordTitle: 'Điều phối tuần tra',
    coordOpen: 'Mở bảng điều phối tuần tra',
    coordClose: 'Đóng bảng điều phối tuần tra',
    coordFrom: 'Từ ngày',
    coordTo: 'Đến ngày',
    coordWidth: 'Tầm quan sát (m)',
    coordApply: 'Áp dụng',
    coordNotApplied: 'Chọn khoảng thời gian và tầm quan sát rồi bấm Áp dụng.',
    coordSegments: 'Các đoạn biên giới',
    coordSegment: 'Đoạn',
    coordPost: 'Đồn · xã phụ trách',
    coordShare: 'Tỷ lệ tuần tra',
    coordLast: 'Tuần tra gần nhất',
    coordDays: 'Số ngày',
    coordNever: 'chưa tuần tra',
    coordGaps: 'Khoảng trống tuần tra',
    coordNoGaps: 'Không có khoảng trống.',
    coordDay: 'Tuần tra trong ngày',
    coordDayLabel: 'Ngày',
    coordPatrols: 'chuyến tuần tra',
    coordMinShare: 'Tỷ lệ tối thiểu (%)',
    coordMinShareHelp: 'Một chuyến tuần tra chỉ được tính là đã tuần tra một đoạn khi bao quát ít nhất tỷ lệ này của đoạn',
    coordTouched: 'Lần chạm gần nhất',
    coordHistory: 'Các chuyến tuần tra đoạn',
    coordHistoryOpen: 'Xem các chuyến tuần tra của đoạn này',
    coordPatrol: 'Chuyến',
    coordUnits: 'Đơn vị',
    coordDate: 'Ngày',
    coordMetres: 'Số mét',
    coordCounted: 'Được tính',
    coordCounts: 'tính là đã tuần tra',
    coordTouchOnly: 'chỉ chạm tới',
    coordBefore: 'trước khoảng thời gian',
    coordNoPatrols: 'Không có chuyến tuần tra nào chạm tới đoạn này.',
    planTitle: 'Kế hoạch tuần tra',
    planOpen: 'Mở kế hoạch tuần tra',
    planClose: 'Đóng kế hoạch tuần tra',
    planFrom: 'Từ ngày',
    planWeeks: 'Số tuần',
    planShow: 'Xem kế hoạch',
    planNotShown: 'Chọn khoảng thời gian để xem kế hoạch.',
    planSegments: 'Đoạn biên giới theo kế hoạch',
    planPlans: 'Kế hoạch',
    planShare: 'Dự kiến tuần tra',
    planGaps: 'Đoạn chưa có kế hoạch',
    planDays: 'ngày',
    planConflicts: 'Kế hoạch trùng lặp',
    planNoConflicts: 'Không có kế hoạch trùng lặp.',
    planOverlap: 'trùng thời gian',
    planShared: 'đoạn trùng',
    planNew: 'Lập kế hoạch tuần tra',
    planCode: 'Mã kế hoạch',
    planKind: 'Loại tuần tra',
    planKind_border: 'Tuần tra biên giới',
    planKind_joint: 'Tuần tra chung',
    planKind_commune: 'Tuần tra của xã',
    planDay: 'Ngày',
    planStart: 'Giờ bắt đầu',
    planEnd: 'Giờ kết thúc',
    planUnits: 'Lực lượng',
    planPosts: 'Đồn biên phòng',
    planPolice: 'Công an xã',
    planMilitia: 'Dân quân xã',
    planOther: 'Lực lượng khác (cách nhau bởi dấu phẩy)',
    planMembers: 'Thành viên (mỗi dòng một người)',
    planRoute: 'Tuyến tuần tra',
    planDraw: 'Vẽ tuyến trên bản đồ',
    planSnap: 'Hoặc chọn đoạn biên giới',
    planUseSegments: 'Dùng các đoạn đã chọn',
    planRouteReady: 'Đã có tuyến',
    planVertices: 'điểm',
    planNoRoute: 'Chưa có tuyến tuần tra.',
    planInvalid: 'Vui lòng điền đủ các ô được đánh dấu.',
    planSave: 'Lưu kế hoạch',
    planSaved: 'Đã lưu kế hoạch',
  },
  en: {
    appTitle: 'ANTQ Atlas — Lao Cai',
    appSubtitle: 'Grassroots security and order map',
    signInTitle: 'Sign in',
    username: 'Username',
    password: 'Password',
    signIn: 'Sign in',
    signOut: 'Sign out',
    signInFailed: 'Wrong username or password.',
    signInThrottled: 'Too many attempts. Please try again later.',
    signedInAs: 'User',
    role: 'Role',
    language: 'Tiếng Việt',
    languageLabel: 'Switch to Vietnamese',
    menu: 'Control panel',
    print: 'Print map',
    layers: 'Layers',
    filters: 'Filters',
    legend: 'Legend',
    details: 'Details',
    report: 'Province figures',
    showReport: 'Show figures',
    dateRange: 'Date range',
    from: 'From month',
    to: 'To month',
    asOf: 'Boundaries as of',
    asOfHint: 'empty: today',
    district: 'District',
    commune: 'Commune',
    all: 'All',
    categories: 'Category',
    colourBy: 'Colour by',
    reset: 'Clear filters',
    export: 'Export',
    features: 'features',
    loading: 'Loading…',
    noSelection: 'Select a feature on the map to see its details.',
    yes: 'Yes',
    no: 'No',
    none: '(none)',
    close: 'Close',
    zoomTo: 'Zoom to',
    printedBy: 'Printed by',
    printedAt: 'Printed on',
    filtersApplied: 'Filters',
    noFilters: 'none',
    error: 'Error',
    description: 'Description',
    others: 'Other',
    notOffered: 'No layer may be shown to you.',
    profileTitle: 'Key points in this commune',
    profileNote: 'Counted from the key points layer, in the filtered date range.',
    byMonth: 'By month',
    byCategory: 'By category',
    search: 'Search',
    searchPlaceholder: 'Find a commune, village, post, marker, code…',
    searchNone: 'Nothing found',
    searchResults: 'results',
    coordTitle: 'Patrol coordination',
    coordOpen: 'Open patrol coordination',
    coordClose: 'Close patrol coordination',
    coordFrom: 'From day',
    coordTo: 'To day',
    coordWidth: 'Sight width (m)',
    coordApply: 'Apply',
    coordNotApplied: 'Choose a window and a sight width, then Apply.',
    coordSegments: 'Border segments',
    coordSegment: 'Segment',
    coordPost: 'Post · responsible commune',
    coordShare: 'Share patrolled',
    coordLast: 'Last patrolled',
    coordDays: 'Days since',
    coordNever: 'never',
    coordGaps: 'Coverage gaps',
    coordNoGaps: 'No gaps.',
    coordDay: 'Patrols of a day',
    coordDayLabel: 'Day',
    coordPatrols: 'patrols',
    coordMinShare: 'Least share (%)',
    coordMinShareHelp: 'A patrol counts as having patrolled a segment only when it covered at least this share of it',
    coordTouched: 'Last touched',
    coordHistory: 'Patrols of segment',
    coordHistoryOpen: 'Show the patrols of this segment',
    coordPatrol: 'Patrol',
    coordUnits: 'Units',
    coordDate: 'Date',
    coordMetres: 'Metres',
    coordCounted: 'Counted',
    coordCounts: 'counts as patrolled',
    coordTouchOnly: 'only touched',
    coordBefore: 'before the window',
    coordNoPatrols: 'No patrol touched this segment.',
    planTitle: 'Patrol planning',
    planOpen: 'Open patrol planning',
    planClose: 'Close patrol planning',
    planFrom: 'From',
    planWeeks: 'Weeks',
    planShow: 'Show plans',
    planNotShown: 'Choose a window to see the plans.',
    planSegments: 'Border segments as planned',
    planPlans: 'Plans',
    planShare: 'Forecast coverage',
    planGaps: 'Segments without a plan',
    planDays: 'days',
    planConflicts: 'Conflicting plans',
    planNoConflicts: 'No conflicting plans.',
    planOverlap: 'overlapping',
    planShared: 'shared stretch',
    planNew: 'Plan a patrol',
    planCode: 'Plan code',
    planKind: 'Patrol kind',
    planKind_border: 'Border patrol',
    planKind_joint: 'Joint patrol',
    planKind_commune: 'Commune patrol',
    planDay: 'Day',
    planStart: 'Start time',
    planEnd: 'End time',
    planUnits: 'Units',
    planPosts: 'Border-guard posts',
    planPolice: 'Commune police',
    planMilitia: 'Commune militia',
    planOther: 'Other units (comma-separated)',
    planMembers: 'Members (one per line)',
    planRoute: 'Route',
    planDraw: 'Draw the route on the map',
    planSnap: 'Or pick border segments',
    planUseSegments: 'Use the chosen segments',
    planRouteReady: 'Route ready',
    planVertices: 'vertices',
    planNoRoute: 'No route yet.',
    planInvalid: 'Please fill in the marked fields.',
    planSave: 'Save the plan',
    planSaved: 'Plan saved',
  },
};

for (const lang of ['vi', 'en']) Object.assign(STRINGS[lang], EDIT_STRINGS[lang], FIELD_STRINGS[lang], UNIT_STRINGS[lang]);
for (const lang of ['vi', 'en']) Object.assign(STRINGS[lang], TRACK_STRINGS[lang]);
for (const lang of ['vi', 'en']) Object.assign(STRINGS[lang], PACKAGE_STRINGS[lang]);

// Labels of the province report's figures (keys of GET /api/v1/reports/province).
const REPORT = {
  as_of: ['Tại ngày', 'As of'],
  province_code: ['Mã tỉnh', 'Province code'],
  province_name: ['Tỉnh', 'Province'],
  area_km2: ['Diện tích (km²)', 'Area (km²)'],
  population: ['Dân số', 'Population'],
  ethnic_minority_share: ['Tỷ lệ DTTS (%)', 'Ethnic minorities (%)'],
  districts: ['Đơn vị cấp huyện', 'District-level units'],
  commune_level_units: ['Đơn vị cấp xã', 'Commune-level units'],
  wards: ['Phường', 'Wards'],
  townships: ['Thị trấn', 'Townships'],
  communes: ['Xã', 'Communes'],
  villages: ['Thôn, bản, tổ dân phố', 'Villages and residential groups'],
  especially_difficult_villages: ['Thôn đặc biệt khó khăn', 'Especially difficult villages'],
  region_i: ['Khu vực I', 'Region I'],
  region_ii: ['Khu vực II', 'Region II'],
  region_iii: ['Khu vực III', 'Region III'],
  program_135_communes: ['Xã Chương trình 135', 'Program 135 communes'],
  key_security_communes: ['Xã trọng điểm ANTT', 'Key security communes'],
  border_communes: ['Xã biên giới', 'Border communes'],
  border_length_km_official: ['Đường biên giới (km, chính thức)', 'Border (km, official)'],
  border_length_km_measured: ['Đường biên giới (km, đo trên bản đồ)', 'Border (km, drawn)'],
  border_posts: ['Đồn biên phòng', 'Border-guard posts'],
  border_markers: ['Cột mốc', 'Border markers'],
  staff_year: ['Năm số liệu cán bộ', 'Staff census year'],
  staff_units: ['Số đơn vị trong số liệu cán bộ', 'Units in the staff census'],
  staff_province_code: ['Số liệu cán bộ của tỉnh (mã)', 'Staff census of province (code)'],
  designations_in_force: ['Quyết định công nhận còn hiệu lực', 'Designations in force'],
  commune_cadres: ['Cán bộ cấp xã', 'Commune cadres'],
  commune_civil_servants: ['Công chức cấp xã', 'Commune civil servants'],
  commune_nonspecialised: ['Không chuyên trách cấp xã', 'Non-specialised (commune)'],
  village_nonspecialised: ['Không chuyên trách thôn, tổ', 'Non-specialised (village)'],
  commune_police_trained: ['Công an xã đào tạo trung cấp', 'Commune police trained'],
  security_resolution_share: ['Xã có nghị quyết chuyên đề ANTT (%)', 'Communes with a security resolution (%)'],
  model_types: ['Loại mô hình tự quản', 'Model types'],
  model_sites: ['Mô hình hiệu quả', 'Effective model sites'],
  regular_police_chiefs: ['Trưởng Công an xã chính quy', 'Regular police chiefs'],
};

let lang = 'vi';

export const currentLang = () => lang;

export function setLang(next) {
  lang = next === 'en' ? 'en' : 'vi';
  document.documentElement.lang = lang;
}

/** The UI string `key` in the current language. */
export const t = (key) => STRINGS[lang][key] ?? STRINGS.vi[key] ?? key;

/** The label of a report figure, or the key itself when unknown. */
export const reportLabel = (key) => REPORT[key]?.[lang === 'vi' ? 0 : 1] ?? key;

/** A collection's or a property's title in the current language. */
export const title = (titles, fallback) => (titles && (titles[lang] || titles.vi)) || fallback;

const numberFormat = new Intl.NumberFormat('vi-VN', { maximumFractionDigits: 3 });
export const formatNumber = (n) => numberFormat.format(n);

const pad = (n) => String(n).padStart(2, '0');

/** `2020-04-15` → `15/04/2020`; an RFC 3339 time → `15/04/2020 08:30` in Vietnam's time. */
export function formatDate(value) {
  if (typeof value !== 'string') return String(value);
  const day = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (day) return `${day[3]}/${day[2]}/${day[1]}`;
  const when = new Date(value);
  if (Number.isNaN(when.getTime())) return value;
  // Asia/Ho_Chi_Minh is UTC+7 all year (no daylight saving).
  const local = new Date(when.getTime() + 7 * 3600 * 1000);
  return `${pad(local.getUTCDate())}/${pad(local.getUTCMonth() + 1)}/${local.getUTCFullYear()} ` +
    `${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}`;
}

/** `15/04/2020` → `2020-04-15`; '' for an empty field; null when not a date. */
export function parseDay(text) {
  if (!text.trim()) return '';
  const m = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(text.trim());
  if (!m) return null;
  const iso = `${m[3]}-${m[2].padStart(2, '0')}-${m[1].padStart(2, '0')}`;
  const d = new Date(`${iso}T00:00:00Z`);
  return Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== iso ? null : iso;
}

/** `2020-04` → `04/2020`. */
export const formatMonth = (month) => (month ? `${month.slice(5, 7)}/${month.slice(0, 4)}` : '');

/** A property value as text for people: dates, numbers and yes/no in local habits. */
export function formatValue(value, name) {
  if (value === null || value === undefined || value === '') return t('none');
  if (typeof value === 'boolean') return value ? t('yes') : t('no');
  if (typeof value === 'number' && !/code|year|number/.test(name || '')) return formatNumber(value);
  if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}/.test(value)) return formatDate(value);
  return String(value);
}

/** `t(key)` with `{name}` placeholders filled from `values`. */
export const tf = (key, values) => t(key).replace(/\{(\w+)\}/g, (m, name) => String(values[name] ?? m));

/** An API error for people: the meaning of its `code` in the UI language, then the server's own words. */
export function errorText(error) {
  const key = `err_${error?.code}`;
  const meaning = STRINGS[lang][key] ?? STRINGS.vi[key] ?? t('error');
  return error?.message ? `${meaning}: ${error.message}` : meaning;
}
