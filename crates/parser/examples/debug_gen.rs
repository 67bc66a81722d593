fn main() {
    let args: Vec<String> = std::env::args().collect();
    let p = milmove_parser::ApiParser::from_file(&args[1]).unwrap();
    let schema = p.request_body(&args[2], &args[3]).unwrap().unwrap();
    if args.len() > 4 {
        println!(
            "{}",
            serde_json::to_string_pretty(&schema.pointer(&args[4])).unwrap()
        );
    }
    let v = p.fake_request(&args[2], &args[3], None, true, 0).unwrap();
    println!("{}", serde_json::to_string_pretty(&v).unwrap());
}
