/// Columns padded to their widest cell, for the plain-text tables (servers, repairs, offenders).
struct TextTable {
    enum Alignment { case left, right }

    var columns: [(title: String, alignment: Alignment)]
    var rows: [[String]] = []

    init(_ columns: [(String, Alignment)]) {
        self.columns = columns.map { (title: $0.0, alignment: $0.1) }
    }

    mutating func add(_ row: [String]) { rows.append(row) }

    /// The table, each line indented by `indent` and without trailing spaces.
    func render(indent: String = "  ") -> String {
        let all = [columns.map(\.title)] + rows
        var widths = columns.map { $0.title.count }
        for row in all {
            for (index, cell) in row.enumerated() where index < widths.count {
                widths[index] = max(widths[index], cell.count)
            }
        }
        return all.map { row in
            let cells = row.enumerated().map { index, cell -> String in
                let padding = String(repeating: " ", count: max(0, widths[index] - cell.count))
                return columns[index].alignment == .left ? cell + padding : padding + cell
            }
            let line = indent + cells.joined(separator: "  ")
            return String(line.reversed().drop(while: { $0 == " " }).reversed())
        }.joined(separator: "\n")
    }
}
