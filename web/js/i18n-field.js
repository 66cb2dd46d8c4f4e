// The strings of field use (offline, the outbox, patrol tracks) in vi and en, merged into
// i18n.js's table; kept apart so this work merges without touching its lines.

export const FIELD_STRINGS = {
  vi: {
    online: 'Trực tuyến',
    offline: 'Ngoại tuyến',
    syncedAt: 'dữ liệu đồng bộ lúc {at} ({age})',
    ageNow: 'vừa xong',
    ageMinutes: '{n} phút trước',
    ageHours: '{n} giờ trước',
    ageDays: '{n} ngày trước',
    updateReady: 'Đã có phiên bản mới của bản đồ.',
    updateNow: 'Cập nhật',
    updateAfterForm: 'Hãy lưu hoặc hủy biểu mẫu đang mở trước khi cập nhật.',
  },
  en: {
    online: 'Online',
    offline: 'Offline',
    syncedAt: 'data synced {at} ({age})',
    ageNow: 'just now',
    ageMinutes: '{n} min ago',
    ageHours: '{n} h ago',
    ageDays: '{n} days ago',
    updateReady: 'A new version of the map is ready.',
    updateNow: 'Update',
    updateAfterForm: 'Save or cancel the open form before updating.',
  },
};
