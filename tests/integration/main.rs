// `dslab mine` and `dslab hashrate`: real proof of work.
mod pow;
