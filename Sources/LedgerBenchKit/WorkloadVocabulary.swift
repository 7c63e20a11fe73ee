/// The Chinese names a generated workload draws from: units, categories and topics, replies.
///
/// Names follow a prefecture-level city's hotline roster (city bureaus, district and county
/// departments, sub-district offices, public-service companies). They are made up but shaped
/// like the real ones, including long names that take many UTF-8 bytes.
enum WorkloadVocabulary {
    static let cityBureaus = [
        "市城市管理和综合执法局", "市住房和城乡建设局", "市交通运输局", "市公安局", "市人力资源和社会保障局",
        "市卫生健康委员会", "市教育局", "市市场监督管理局", "市生态环境局", "市自然资源和规划局", "市水利局",
        "市农业农村局", "市商务粮食局", "市民政局", "市文化旅游广电体育局", "市医疗保障局", "市税务局",
        "市应急管理局", "市国资委", "市发展和改革委员会", "市工业和信息化局", "市财政局", "市司法局",
        "市退役军人事务局", "市林业局", "市信访局", "市数据资源管理局", "市住房公积金管理中心",
        "市不动产登记中心", "市政务服务中心",
    ]

    static let districts = [
        "岳阳楼区", "云溪区", "君山区", "岳阳县", "华容县", "湘阴县", "平江县", "汨罗市", "临湘市", "屈原管理区",
        "南湖新区", "经济技术开发区",
    ]

    static let districtDepartments = [
        "人民政府", "城市管理和综合执法局", "住房和城乡建设局", "公安局", "人力资源和社会保障局", "卫生健康局",
        "教育局", "市场监督管理局", "生态环境分局", "交通运输局", "自然资源局", "水利局", "农业农村局", "民政局",
        "医疗保障局", "应急管理局", "信访局", "司法局", "林业局", "税务局",
    ]

    static let companies = [
        "国网岳阳供电公司", "岳阳市自来水公司", "中国电信岳阳分公司", "中国移动岳阳分公司", "中国联通岳阳分公司",
        "岳阳中石油昆仑燃气有限公司", "岳阳市公共交通集团有限公司", "中国邮政岳阳市分公司", "湖南有线岳阳网络有限公司",
        "岳阳市城市建设投资集团有限公司",
    ]

    static let subDistricts = [
        "洞庭街道办事处", "岳阳楼街道办事处", "三眼桥街道办事处", "吕仙亭街道办事处", "金鹗山街道办事处",
        "东茅岭街道办事处", "望岳路街道办事处", "五里牌街道办事处", "城陵矶街道办事处", "站前路街道办事处",
        "奇家岭街道办事处", "枫桥湖街道办事处", "求索街道办事处", "柳林洲街道办事处", "许市镇人民政府",
        "荣家湾镇人民政府", "麻塘办事处", "长炼街道办事处", "云溪街道办事处", "路口镇人民政府",
    ]

    /// `count` distinct unit names, city bureaus first (more than the base list get a numbered office).
    static func unitNames(_ count: Int) -> [String] {
        var names = cityBureaus
        for district in districts {
            for department in districtDepartments {
                names.append(district + department)
            }
        }
        names += companies + subDistricts
        if count <= names.count { return Array(names.prefix(count)) }
        let base = names
        var k = 2
        while names.count < count {
            for name in base where names.count < count { names.append("\(name)第\(k)办事处") }
            k += 1
        }
        return names
    }

    /// Topics by category (the log carries the topic only).
    static let topics: [(category: String, topics: [String])] = [
        ("城乡建设", ["物业管理", "房屋质量", "不动产办证", "小区停车", "违章建筑", "老旧小区改造"]),
        ("市场管理", ["消费纠纷", "食品安全", "价格投诉", "虚假宣传", "预付卡退费"]),
        ("城市管理", ["占道经营", "噪音扰民", "垃圾清运", "路灯维修", "井盖缺失", "绿化养护"]),
        ("交通运输", ["公交线路", "出租车服务", "道路破损", "交通信号灯", "网约车纠纷"]),
        ("劳动保障", ["拖欠工资", "社保缴纳", "劳动合同", "失业保险金"]),
        ("生态环境", ["油烟污染", "噪声污染", "污水排放", "扬尘污染"]),
        ("教育", ["入学咨询", "校外培训", "学校收费", "校车安全"]),
        ("卫生健康", ["医疗纠纷", "疫苗接种", "医保报销", "药品价格"]),
        ("公共服务", ["停水", "停电", "燃气安全", "网络信号", "邮件投递"]),
        ("公安", ["户籍办理", "治安问题", "交通违法", "身份证办理"]),
        ("农业农村", ["农村道路", "农田水利", "惠农补贴", "宅基地纠纷"]),
    ]

    static let replies = [
        "已办结，已电话回复市民", "经核实已处理完毕，市民表示认可", "已现场处理，问题已解决", "已协调相关单位解决",
        "已向市民解释相关政策", "已责令整改到位",
    ]

    static let declineReasons = ["非本单位职责范围", "属地不符，请转交属地处理", "涉及其他部门职能"]
    static let extensionReasons = ["需协调多部门联合处理", "涉及工程施工，需延期办理", "需等待检测结果"]
    static let reworkReasons = ["回复内容不完整", "市民反映问题未解决", "未联系市民即办结"]
}
