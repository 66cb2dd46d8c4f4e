// The strings of administrative units through reorganisations (lineage, former districts,
// inherited designations) in vi and en, merged into i18n.js's table.

export const UNIT_STRINGS = {
  vi: {
    lineageTitle: 'Lịch sử đơn vị hành chính',
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
  },
  en: {
    lineageTitle: 'History of the administrative unit',
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
  },
};
