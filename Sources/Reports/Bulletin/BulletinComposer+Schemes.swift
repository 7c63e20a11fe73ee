import Events
import Projections

extension BulletinComposer {
    private typealias Block = BulletinDocument.Block

    /// Numbers a bulletin's sections 一、二、三、… in the order they are opened.
    private struct SectionNumbers {
        private var count = 0

        /// The next section's heading.
        mutating func next(_ title: String) -> Block {
            count += 1
            return .heading(ChineseText.section(count) + title, level: 2)
        }
    }

    // MARK: Yueyang: the monthly assessment bulletin

    func yueyang() -> BulletinDocument {
        var blocks: [Block] = []
        var sections = SectionNumbers()
        func section(_ text: String) { blocks.append(sections.next(text)) }
        section("\(hotlineName)运行情况")
        blocks += summary(hotline, channel: hotlineName)
        blocks.append(.heading(ChineseText.subsection(1) + "诉求类型", level: 3))
        blocks += categoryBlocks(hotline, what: "\(hotlineShort)交办工单")
        blocks.append(.heading(ChineseText.subsection(2) + "工单考核", level: 3))
        blocks += assessmentSummary(hotline, noun: "\(hotlineShort)承办单位")
        blocks.append(.heading(ChineseText.subsection(3) + "超期工单", level: 3))
        blocks += overdueBlocks(hotline, what: hotlineShort)
        blocks.append(.heading(ChineseText.subsection(4) + "返工工单", level: 3))
        blocks += reworkBlocks(hotline, what: hotlineShort)
        blocks += optionalHotlineSubsections(after: 4)
        for other in letterSections {
            let what = name(other)
            section("\(what)运行情况")
            blocks += summary(other, channel: what, letters: true)
            blocks += letterAssessment(other)
            blocks += sourceBlocks(other, what: "来信")
            blocks += ratingTextBlocks(other, what: what)
            blocks += categoryBlocks(other, what: "来信", chart: false)
            blocks += overdueBlocks(other, what: what)
            blocks += reworkBlocks(other, what: what)
            blocks += policyBlocks(other, what: what)
        }
        section("考核加扣分")
        blocks += adjustmentBlocks()
        blocks.append(.heading("附件1  \(ChineseText.period(period))\(hotlineName)综合评价表", level: 2))
        blocks += assessmentTables(hotline)
        for (i, other) in letterSections.enumerated() {
            blocks.append(.heading("附件\(i + 2)  \(ChineseText.period(period))\(name(other))办理综合评价表", level: 2))
            blocks += assessmentTables(other)
        }
        return BulletinDocument(title: defaultTitle(channelsTitle("运行办理情况通报")), subtitle: subtitle, blocks: blocks)
    }

    /// A letter channel's grades, its rankings by score and by volume, and the units below A.
    private func letterAssessment(_ section: Bulletin.ChannelSection) -> [Block] {
        var blocks: [Block] = [.paragraph(gradeSentence(section, noun: "\(name(section))承办单位") + rankingSentences(section).joined())]
        let volume = volumeRankingSentences(section)
        if !volume.isEmpty { blocks.append(.paragraph(volume.joined())) }
        if let weak = weakUnitsSentence(section) { blocks.append(.paragraph(weak)) }
        return blocks
    }

    /// The sections after the hotline's: the mailbox, then the other channels.
    var letterSections: [Bulletin.ChannelSection] { (bulletin.mailbox.map { [$0] } ?? []) + bulletin.channels }

    /// 12345热线运行办理情况通报, 12345热线和市长信箱…, 12345热线、市长信箱和政协微建议… (the main
    /// section's name first: ``hotlineName``).
    func channelsTitle(_ what: String) -> String {
        ChineseText.list([hotlineName] + letterSections.map(name)) + what
    }

    /// Categories: the table, the leading topics, the chart.
    private func categoryBlocks(_ section: Bulletin.ChannelSection, what: String, chart: Bool = true) -> [Block] {
        guard section.assignedTickets > 0 else { return [.paragraph("\(current)无\(what.contains("交办") ? "" : "交办")\(what)。")] }
        let table = Block.table(categoryTable(section, caption: "\(what)类别（\(section.assignedTickets)件）"))
        var blocks: [Block] = [table]
        if chart, let c = categoryChart(section, title: "\(what)类别（件）") { blocks = [.sideBySide([table, .chart(c)])] }
        if let topics = topicSentence(section) { blocks.append(.paragraph(topics)) }
        return blocks
    }

    /// Grades, rankings, the units below A, and the two charts.
    private func assessmentSummary(_ section: Bulletin.ChannelSection, noun: String) -> [Block] {
        var blocks: [Block] = [.paragraph(gradeSentence(section, noun: noun) + rankingSentences(section).joined())]
        let volume = volumeRankingSentences(section)
        if !volume.isEmpty { blocks.append(.paragraph(volume.joined())) }
        if let weak = weakUnitsSentence(section) { blocks.append(.paragraph(weak)) }
        blocks.append(.chart(gradeChart(section, title: "各组等级评价（单位个数）")))
        if let lowest = lowestScoresChart(section, title: "综合指标值最低的十个单位") { blocks.append(.chart(lowest)) }
        return blocks
    }

    /// The hotline section's subsections that a bulletin has only sometimes, numbered on after
    /// its `fixed` fixed ones: 延期与退单 when the rules carry a deadline policy, 来源与评价 when
    /// there are sources or rating texts to list.
    private func optionalHotlineSubsections(after fixed: Int) -> [Block] {
        var blocks: [Block] = []
        var sub = fixed
        if hotline.report.rules.policy != nil {
            sub += 1
            blocks.append(.heading(ChineseText.subsection(sub) + "延期与退单", level: 3))
            blocks += policyBlocks(hotline, what: hotlineShort)
        }
        let extra = sourceBlocks(hotline, what: "\(hotlineShort)工单") + ratingTextBlocks(hotline, what: hotlineShort)
        if !extra.isEmpty {
            sub += 1
            blocks.append(.heading(ChineseText.subsection(sub) + "来源与评价", level: 3))
            blocks += extra
        }
        return blocks
    }

    // MARK: Xiangtan: the statistics bulletin

    func xiangtan() -> BulletinDocument {
        let table = bulletin.xiangtan, t = table.total, c = t.counts, f = t.facts
        func pct(_ r: Rational?) -> String { r.map { ChineseText.percent($0.rounded(decimals: 2)) } ?? "-" }
        var sections = SectionNumbers()
        var blocks: [Block] = [sections.next("\(hotlineShort)运行基本情况")]
        blocks.append(.paragraph("\(current)，交办各成员单位处理工单\(f.assigned)件，按期办结\(f.onTimeDone)件，逾期\(f.overdue)件，" + notDueYet(f)
            + "按期办结率\(pct(t.onTimeRate))；有效回访工单\(c.callbacks)件，回访未应答\(c.unreachable)件，回访率\(pct(t.callbackRate))；"
            + "满意\(c.satisfied)件、不满意\(c.unsatisfied)件，回访满意率\(pct(t.satisfiedRate))。"))
        blocks.append(.heading(ChineseText.subsection(1) + "交办工单类型", level: 3))
        blocks += categoryBlocks(hotline, what: "交办工单")
        blocks.append(.heading(ChineseText.subsection(2) + "回访情况", level: 3))
        let high = table.units(satisfiedAtLeast: Rational(80)), low = table.units(satisfiedBelow: Rational(50))
        var text = ""
        if !high.isEmpty { text += "回访满意率80%及以上的单位有：" + high.joined(separator: "、") + "；" }
        if !low.isEmpty { text += "回访满意率低于50%的单位有：" + low.joined(separator: "、") + "。" }
        if text.isEmpty {
            // The heading is not left bare: no callback at all, or none of the units' rates at either end.
            text = c.callbacks == 0 ? "本期无有效回访工单。" : "无回访满意率80%及以上或低于50%的单位。"
        }
        blocks.append(.paragraph(text))
        let silent = table.rows.filter { $0.facts.notContacted > 0 }.sorted { $0.facts.notContacted > $1.facts.notContacted }
        if f.notContacted > 0 {
            let top = silent.prefix(5).map { "\($0.unit)\($0.facts.notContacted)件" }
            blocks.append(.paragraph("成员单位未将办理情况答复当事人工单\(f.notContacted)件，其中" + top.joined(separator: "、") + "。"))
        }
        if let chart = lowestSatisfactionChart() { blocks.append(.chart(chart)) }
        blocks.append(.heading(ChineseText.subsection(3) + "退单情况", level: 3))
        let returns = hotline.returns
        let buckets = (1...5).reversed().compactMap { times -> String? in
            let n = returns.tickets[times - 1]
            return n > 0 ? "退单\(times)次\(times == 5 ? "及以上" : "")的工单\(n)起" : nil
        }
        blocks.append(.paragraph("\(current)共接受各成员单位退单\(returns.returns)单次，占交办工单数的"
            + "\(ChineseText.share(returns.returns, of: f.assigned))，涉及工单\(returns.ticketCount)件"
            + (buckets.isEmpty ? "" : "，其中" + buckets.joined(separator: "、")) + "（次数含本期以前的退单）。"))
        var histogram = TextTable(columns: [.init("退单次数"), .init("工单数", alignment: .right)])
        for times in 1...5 { histogram.append([times == 5 ? "5次及以上" : "\(times)次", String(returns.tickets[times - 1])]) }
        histogram.footer = ["合计", String(returns.ticketCount)]
        blocks.append(.table(.init(caption: "退单工单按退单次数", table: histogram)))
        blocks.append(.heading(ChineseText.subsection(4) + "督办情况", level: 3))
        let chased = table.rows.filter { $0.facts.supervised > 0 }.sorted { $0.facts.supervised > $1.facts.supervised }
        var supervision = "共电话督办\(f.phoneSupervised)件，电话督办回复\(f.phoneAnswered)件；书面督办\(f.writtenSupervised)件，书面督办回复\(f.writtenAnswered)件。"
        if !chased.isEmpty { supervision += "其中" + chased.prefix(4).map { "\($0.unit)\($0.facts.supervised)件" }.joined(separator: "、") + "。" }
        blocks.append(.paragraph(supervision))
        blocks.append(.heading(ChineseText.subsection(5) + "逾期工单", level: 3))
        blocks += overdueBlocks(hotline, what: "")
        blocks += optionalHotlineSubsections(after: 5)
        // Every other channel (the mailbox, a proposal channel, …) in the same statistical terms.
        for other in letterSections {
            let what = name(other), s = other.statistics.total, c = s.counts, f = s.facts
            blocks.append(sections.next("\(what)办理情况"))
            blocks.append(.paragraph("\(current)，\(what)交办各成员单位处理来信\(f.assigned)件，按期办结\(f.onTimeDone)件，逾期\(f.overdue)件，" + notDueYet(f)
                + "按期办结率\(pct(s.onTimeRate))；有效回访\(c.callbacks)件，回访未应答\(c.unreachable)件，回访率\(pct(s.callbackRate))；"
                + "满意\(c.satisfied)件、不满意\(c.unsatisfied)件，回访满意率\(pct(s.satisfiedRate))。"))
            blocks += categoryBlocks(other, what: "来信", chart: false)
            blocks += sourceBlocks(other, what: "来信")
            blocks += ratingTextBlocks(other, what: what)
            blocks += overdueBlocks(other, what: what)
            blocks += policyBlocks(other, what: what)
        }
        if !bulletin.deductions.isEmpty || !bulletin.bonuses.isEmpty {
            blocks.append(sections.next("考核加扣分"))
            blocks += adjustmentBlocks()
        }
        let numbered = !letterSections.isEmpty
        blocks.append(.heading("附件\(numbered ? "1" : "")  \(ChineseText.period(period))\(isCentreHotline ? "市长热线" : hotlineName)办理情况统计表", level: 2))
        blocks.append(.table(xiangtanTable(table, order: hotline.order)))
        blocks.append(.note("回访数为有效回访（满意与不满意）；回访率 =（回访数 + 回访未应答）÷ 交办数，回访数包含上月未回访的工单，故可超过100%。"
            + "“-”表示本期无回访数据。"))
        for (i, other) in letterSections.enumerated() {
            blocks.append(.heading("附件\(i + 2)  \(ChineseText.period(period))\(name(other))办理情况统计表", level: 2))
            blocks.append(.table(xiangtanTable(other.statistics, order: other.order)))
        }
        return BulletinDocument(title: defaultTitle(numbered ? channelsTitle("工作情况通报") : "\(hotlineName)工作情况通报"), subtitle: subtitle,
                                blocks: blocks)
    }

    private func lowestSatisfactionChart() -> BulletinChart? {
        let rated = bulletin.xiangtan.rows.filter { $0.counts.callbacks > 0 }
            .sorted { ($0.satisfiedRate!, $0.unit) < ($1.satisfiedRate!, $1.unit) }.prefix(10)
        guard !rated.isEmpty else { return nil }
        return .bars(title: "回访满意率最低的十个单位", items: rated.map { row in
            let rate = row.satisfiedRate!.rounded(decimals: 2)
            return (row.unit, Self.double(rate), ChineseText.percent(rate), nil)
        }, maximum: 100)
    }

    // MARK: Quarterly (Yunxi style)

    func quarterly() -> BulletinDocument {
        var blocks: [Block] = []
        var sections = SectionNumbers()
        func section(_ text: String) { blocks.append(sections.next(text)) }
        section("运行情况")
        blocks += summary(hotline, channel: hotlineName)
        for other in letterSections { blocks += summary(other, channel: name(other), letters: true) }
        section("诉求类型")
        blocks.append(.table(typeTable()))
        if let topics = topicSentence(hotline) { blocks.append(.paragraph(topics)) }
        if let chart = categoryChart(hotline, title: "\(hotlineShort)交办工单类别（件）") { blocks.append(.chart(chart)) }
        section("考核情况")
        blocks += assessmentSummary(hotline, noun: "\(hotlineShort)承办单位")
        let best = rules.grades.first?.grade ?? "A"
        let top = hotline.report.rows.filter { !$0.scorecard.isEmpty && $0.scorecard.grade == best }
        let others = hotline.report.rows.filter { $0.scorecard.isEmpty || $0.scorecard.grade != best }
        // No empty table: a quarter without A-grade units (or without others) prints no 0-row table.
        if !top.isEmpty {
            blocks.append(.table(assessmentTable(hotline.ordered(top), rules: rules, caption: "\(hotlineShort)\(best)类单位（\(top.count)个）")))
        }
        if !others.isEmpty {
            blocks.append(.table(assessmentTable(hotline.ordered(others), rules: rules, caption: "\(hotlineShort)其他单位（\(others.count)个）")))
        }
        for other in letterSections {
            blocks += letterAssessment(other)
            blocks.append(.sideBySide([.table(compactTable(hotline, caption: hotlineName)), .table(compactTable(other, caption: name(other)))]))
        }
        section("超期与返工")
        blocks += overdueBlocks(hotline, what: hotlineShort)
        blocks += reworkBlocks(hotline, what: hotlineShort)
        blocks += policyBlocks(hotline, what: hotlineShort)
        blocks += sourceBlocks(hotline, what: "\(hotlineShort)工单") + ratingTextBlocks(hotline, what: hotlineShort)
        for other in letterSections {
            let what = name(other)
            blocks += overdueBlocks(other, what: what) + reworkBlocks(other, what: what)
            blocks += sourceBlocks(other, what: what) + ratingTextBlocks(other, what: what) + policyBlocks(other, what: what)
        }
        section("考核加扣分")
        blocks += adjustmentBlocks()
        for (i, other) in letterSections.enumerated() {
            let number = letterSections.count > 1 ? "附件\(i + 1)" : "附件"
            blocks.append(.heading("\(number)  \(ChineseText.period(period))\(name(other))办理综合评价表", level: 2))
            blocks += assessmentTables(other)
        }
        return BulletinDocument(title: defaultTitle(channelsTitle("运行情况通报")), subtitle: subtitle, blocks: blocks)
    }

    /// Ticket types, the hotline and every other channel (the mailbox, …) side by side.
    private func typeTable() -> BulletinDocument.Table {
        let types = bulletin.request.typeCategories
        func withOther(_ c: (listed: [LabelCount], other: Int)) -> [(label: String, count: Int)] {
            c.listed.map { ($0.label, $0.count) } + [(ReportLabels.otherCategories, c.other)]
        }
        let sections = [hotline] + letterSections
        let counts = sections.map { withOther($0.categories(inOrder: types)) }
        var columns: [TextTable.Column] = [.init("类型")]
        for (i, section) in sections.enumerated() {
            let short = i == 0 ? hotlineShort : section.channel == "mailbox" && section.title == nil ? "信箱" : name(section)
            columns += [.init("\(short)件数", alignment: .right), .init("\(short)占比", alignment: .right)]
        }
        var table = TextTable(columns: columns)
        for (row, item) in counts[0].enumerated() {
            var cells = [item.label]
            for (i, section) in sections.enumerated() {
                let n = counts[i][row].count
                cells += [String(n), ChineseText.share(n, of: section.assignedTickets)]
            }
            table.append(cells)
        }
        var footer = ["合计"]
        for section in sections { footer += [String(section.assignedTickets), section.assignedTickets > 0 ? "100.00%" : "-"] }
        table.footer = footer
        return .init(caption: "交办工单类型", table: table)
    }

    /// Unit, due, score, grade: the short form that sits beside the other channel's.
    private func compactTable(_ section: Bulletin.ChannelSection, caption: String) -> BulletinDocument.Table {
        var table = TextTable(columns: [.init("部门名称"), .init("应办理数", alignment: .right), .init("综合指标值", alignment: .right), .init("等级")])
        for row in section.ordered(section.report.rows) {
            table.append([row.unit, String(row.counts.due), row.scorecard.score.description, row.scorecard.grade])
        }
        let t = section.report.total
        table.footer = ["合计（\(section.report.rows.count)）", String(t.counts.due), t.scorecard.score.description, t.scorecard.grade]
        return .init(caption: caption, table: table)
    }
}

extension BulletinComposer {
    /// "未到期N件，" for the open tickets whose deadline is after the as-of instant of a bulletin as
    /// of a day inside the period (neither on time nor overdue yet); nothing otherwise.
    func notDueYet(_ facts: BulletinCounts) -> String {
        facts.pending > 0 ? "未到期\(facts.pending)件，" : ""
    }
}
