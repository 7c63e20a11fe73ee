/// How the centre chased a unit in a `supervised` event.
public enum SupervisionMethod: String, Sendable, CaseIterable, Codable {
    /// 电话督办.
    case phone
    /// 书面督办.
    case written
}
