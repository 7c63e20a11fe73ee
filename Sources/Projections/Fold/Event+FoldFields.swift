import Events

extension Event {
    /// What the counting core reads from an event's body besides its kind, unit and time: the
    /// deadline it sets, who returned it, the rating, and the channel of an `accepted` event.
    package var foldFields: (due: Timestamp?, by: ReturnParty?, rating: Rating?, channel: String?) {
        switch body {
        case .accepted(let channel, _, _): (nil, nil, nil, channel)
        case .assigned(_, let due), .extended(_, let due, _): (due, nil, nil, nil)
        case .returned(_, let by, _, let due): (due, by, nil, nil)
        case .callbackRated(_, let rating, _): (nil, nil, rating, nil)
        case .closed, .supervised, .supervisionAnswered, .adjusted: (nil, nil, nil, nil)
        }
    }
}
