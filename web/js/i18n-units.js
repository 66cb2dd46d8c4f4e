// The strings of administrative units through reorganisations (lineage, former districts,
// inherited designations) in vi and en, merged into i18n.js's table.

export const UNIT_STRINGS = {
  vi: {
    lineageTitle: 'Lịch sử đơn vị hành chính',
    formerDistrict: 'Huyện cũ (trước 01/07/2025)',
    lineageVersions: 'Các thời kỳ',
    lineageFrom: 'Hình thành từ',
    lineageInto: 'Trở thành',
    lineageNone: 'Không thay đổi từ khi có trong dữ liệu.',
    lineageSince: 'từ {from}',
    lineageSpan: '{from} – {to}',
    change_merge: 'sáp nhập',
    change_transfer: 'điều chỉnh địa giới',
    change_reclassify: 'đổi loại hình',
    change_rename: 'đổi tên',
    change_continue: 'tiếp tục',
    legendInherited: 'Kế thừa: ít nhất một đơn vị trước sắp xếp (trước 01/07/2025) từng được xác định là xã trọng điểm '
      + 'về an ninh, trật tự; "k/n đơn vị" ở thông tin chi tiết. Đây không phải quyết định mới cho đơn vị hiện nay.',
  },
  en: {
    lineageTitle: 'History of the administrative unit',
    formerDistrict: 'Former district (before 01/07/2025)',
    lineageVersions: 'Versions',
    lineageFrom: 'Formed from',
    lineageInto: 'Became',
    lineageNone: 'Unchanged since it entered the data.',
    lineageSince: 'from {from}',
    lineageSpan: '{from} – {to}',
    change_merge: 'merge',
    change_transfer: 'boundary change',
    change_reclassify: 'change of kind',
    change_rename: 'renamed',
    change_continue: 'continued',
    legendInherited: 'Inherited: at least one of the units it was formed from (before 01/07/2025) was designated; '
      + '"k of n" is in the unit\'s details. It is not a new decision about the unit of today.',
  },
};
